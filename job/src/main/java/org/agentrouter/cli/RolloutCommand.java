package org.agentrouter.cli;

import java.util.concurrent.Callable;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.wire.AvroWire;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = {"Set the share of users the challenger serves (published with publish-model --role challenger);",
            "users are split by a consistent hash of their id, so raising the share (5 -> 25 -> 50) only adds users.",
            "100 promotes the challenger to champion (the old champion becomes its last-known-good).",
            "./router rollback withdraws the challenger. The job answers on model-events: see ./router models."})
final class RolloutCommand implements Callable<Integer> {
    @Option(names = "--share", required = true, description = "percent of users, 0..100")
    int share;

    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Override
    public Integer call() throws Exception {
        if (share < 0 || share > 100) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--share takes 0..100, got " + share);
        }
        ModelControl control = ModelControl.newBuilder().setAction("rollout").setSharePercent(share)
                .setRequestedAtMs(System.currentTimeMillis()).build();
        long offset = RouterModelsTopic.send(bootstrap, "control", AvroWire.MODEL_CONTROL.encode(control));
        System.out.printf("rollout to %d%% requested on %s offset %d%n", share, Topics.ROUTER_MODELS, offset);
        return 0;
    }
}
