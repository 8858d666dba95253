package org.agentrouter.calibration;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.agentrouter.eval.RoutingCurve;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The cost-quality curve (PGR against the share of strong calls) as a PNG, with the random router for reference. */
public final class CurvePlot {
    private CurvePlot() {}

    public static void writePng(RoutingCurve curve, String title, Path file) throws IOException {
        XYSeries router = new XYSeries(String.format("router (APGR %.3f)", curve.apgr()));
        for (RoutingCurve.Point p : curve.points()) router.add(100 * p.strongShare(), p.pgr());
        XYSeries random = new XYSeries(String.format("random (APGR %.3f)", curve.randomApgr()));
        random.add(0, 0);
        random.add(100, 1);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(router);
        data.addSeries(random);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "strong-model calls (%)",
                "performance gap recovered (PGR)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, Color.GRAY);
        renderer.setSeriesStroke(1, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        renderer.setSeriesShapesVisible(1, false);
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 560);
    }
}
