package org.agentrouter.cli.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import java.awt.Color;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The pipeline sweep's chart: end-to-end latency percentiles (log scale) against the offered load, as a PNG. */
final class LatencyChart {
    static final int WIDTH = 900;
    static final int HEIGHT = 560;

    private LatencyChart() {}

    static void write(PipelineBenchResults results, Path png) throws IOException {
        // No display on servers and CI: draw into an image only.
        System.setProperty("java.awt.headless", "true");
        XYSeries p50 = new XYSeries("p50");
        XYSeries p95 = new XYSeries("p95");
        XYSeries p99 = new XYSeries("p99");
        XYSeries p999 = new XYSeries("p99.9");
        for (PipelineBenchResults.Step s : results.steps()) {
            if (s.idle()) continue; // no queries, no latency
            // As-fast-as-possible steps have no offered rate: plot them at the rate actually sent.
            double x = s.offeredPerSecond() > 0 ? s.offeredPerSecond() : s.sentPerSecond();
            // A log axis cannot show 0 ms; the consumer's clock has millisecond resolution anyway.
            p50.add(x, Math.max(0.1, s.p50Ms()));
            p95.add(x, Math.max(0.1, s.p95Ms()));
            p99.add(x, Math.max(0.1, s.p99Ms()));
            p999.add(x, Math.max(0.1, s.p999Ms()));
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(p50);
        data.addSeries(p95);
        data.addSeries(p99);
        data.addSeries(p999);

        PipelineBenchResults.Setup setup = results.setup();
        String title = String.format("End-to-end latency against offered load (parallelism %d, %,d memories, %s, %s)",
                setup.parallelism(), setup.memories(), setup.queriesCarryEmbeddings() ? "with embeddings" : "text only",
                setup.guarantee());
        JFreeChart chart = ChartFactory.createXYLineChart(title, "offered queries per second", "latency (ms)", data,
                PlotOrientation.VERTICAL, true, false, false);
        chart.getTitle().setFont(chart.getTitle().getFont().deriveFont(13f));
        XYPlot plot = chart.getXYPlot();
        LogarithmicAxis latency = new LogarithmicAxis("latency (ms, log scale)");
        latency.setStrictValuesFlag(false);
        latency.setAllowNegativesFlag(false);
        latency.setAutoRangeNextLogFlag(true); // whole decades: 1, 10, 100, ... as plain numbers
        plot.setRangeAxis(latency);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        NumberAxis load = (NumberAxis) plot.getDomainAxis();
        load.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }
}
