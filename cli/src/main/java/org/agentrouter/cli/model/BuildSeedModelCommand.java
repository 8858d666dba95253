package org.agentrouter.cli.model;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.agentrouter.modelbuild.SeedModelBuilder;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.DataPaths;
@Command(name = "build-seed-model", mixinStandardHelpOptions = true,
        description = {"Write the seed model (the hand-set weighting as an ONNX graph) as an uncalibrated release.",
            "The job refuses to serve it until ./router calibrate has stored its conformal thresholds."})
public final class BuildSeedModelCommand implements Callable<Integer> {
    @Option(names = "--out", description = "release directory (default: ${DEFAULT-VALUE})")
    Path out = DataPaths.repo().resolve("operators/src/main/resources/models/default");

    @Override
    public Integer call() throws Exception {
        ConformalCalibration none = ConformalCalibration.newBuilder().setMethod("none").setAlphas(List.of())
                .setStrongThresholds(List.of()).setCheapThresholds(List.of()).setCalibrationSize(0).setDataHash("").build();
        ModelRelease r = SeedModelBuilder.writeRelease(out, none);
        System.out.printf("wrote %s %s (sha256 %s) to %s; next: ./router calibrate --model %s%n",
                r.getName(), r.getVersion(), r.getSha256(), out, out);
        return 0;
    }
}
