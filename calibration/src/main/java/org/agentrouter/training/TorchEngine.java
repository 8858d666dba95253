package org.agentrouter.training;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/**
 * DJL's PyTorch engine as training uses it: offline (libtorch comes from the pytorch-native-cpu jar on the
 * classpath, never from the network) and on one thread by default (the machines are small and shared, and
 * a fixed thread count keeps the arithmetic, hence the trained weights, reproducible). Set the
 * properties on the command line to override.
 */
final class TorchEngine {
    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_threads", "1");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    }

    private TorchEngine() {}

    static NDManager newManager() {
        return NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
