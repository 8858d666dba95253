package org.agentrouter.cli.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.replay.LearnerReplay;
import org.agentrouter.replay.ReplayData;
import org.agentrouter.replay.ReplayMetrics;
import org.agentrouter.replay.ReplayNamespace;
import org.agentrouter.replay.ReplayRun;

/**
 * Decides a stream with one decider (the job) and checks it against another (the in-process replay): the same
 * queries must get the same route, the same probe and the same p_strong. Reports how many differ, the first few,
 * and how long the first decider took.
 */
public final class ReplayComparison implements ReplayRun.StreamDecider {
    /** p_strong may differ by this much (both sides compute it in doubles from the same floats; seen: exactly equal). */
    static final double P_TOLERANCE = 1e-9;

    private final ReplayRun.StreamDecider decider;
    private final ReplayRun.StreamDecider reference;
    private long decisions;
    private long differences;
    private double seconds;
    private final List<String> examples = new ArrayList<>();

    public ReplayComparison(ReplayRun.StreamDecider decider, ReplayRun.StreamDecider reference) {
        this.decider = decider;
        this.reference = reference;
    }

    @Override
    public List<ReplayMetrics.Decision> replay(List<ReplayNamespace> namespaces, ReplayData data, LearnerSettings settings,
                                               LearnerReplay.Feedback feedback) throws Exception {
        long start = System.nanoTime();
        List<ReplayMetrics.Decision> got = decider.replay(namespaces, data, settings, feedback);
        seconds += (System.nanoTime() - start) / 1e9;
        List<ReplayMetrics.Decision> want = reference.replay(namespaces, data, settings, feedback);
        for (String d : differences(want, got)) {
            differences++;
            if (examples.size() < 10) examples.add(d);
        }
        decisions += want.size();
        return got;
    }

    /** One line per decision that differs (route, probe or p_strong), or a count mismatch. */
    public static List<String> differences(List<ReplayMetrics.Decision> want, List<ReplayMetrics.Decision> got) {
        List<String> out = new ArrayList<>();
        if (want.size() != got.size()) out.add(want.size() + " decisions expected, " + got.size() + " made");
        for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
            ReplayMetrics.Decision a = want.get(i), b = got.get(i);
            if (a.strong() != b.strong() || a.probe() != b.probe() || !(Math.abs(a.pStrong() - b.pStrong()) <= P_TOLERANCE)
                    || !a.namespace().equals(b.namespace()) || a.row() != b.row()) {
                out.add(a.namespace() + " #" + a.position() + ": expected strong=" + a.strong() + " probe=" + a.probe() + " p="
                        + a.pStrong() + ", got " + b.namespace() + " #" + b.position() + " strong=" + b.strong() + " probe="
                        + b.probe() + " p=" + b.pStrong());
            }
        }
        return out;
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("decisions", decisions);
        m.put("differences_from_in_process", differences);
        m.put("equal", differences == 0);
        m.put("examples", examples);
        m.put("seconds", Math.round(seconds * 10) / 10.0);
        return m;
    }
}
