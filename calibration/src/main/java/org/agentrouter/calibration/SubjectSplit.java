package org.agentrouter.calibration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Splits subjects (source files) into a memory side and a held-out side, so that no held-out
 * question, nor any question of its subject, is ever in memory: the unseen-subjects protocol.
 * Deterministic for a seed.
 */
public record SubjectSplit(Set<String> memorySubjects, Set<String> heldOutSubjects) {
    public static SubjectSplit of(List<String> subjects, double heldOutShare, long seed) {
        if (!(heldOutShare > 0 && heldOutShare < 1)) {
            throw new IllegalArgumentException("held-out share must be in (0, 1), got " + heldOutShare);
        }
        List<String> shuffled = new ArrayList<>(new TreeSet<>(subjects));
        if (shuffled.size() < 2) {
            throw new IllegalArgumentException("need at least two subjects to hold some out, got " + shuffled);
        }
        Collections.shuffle(shuffled, new Random(seed));
        int heldOut = Math.max(1, Math.min(shuffled.size() - 1, (int) Math.round(shuffled.size() * heldOutShare)));
        return new SubjectSplit(new TreeSet<>(shuffled.subList(heldOut, shuffled.size())),
                new TreeSet<>(shuffled.subList(0, heldOut)));
    }
}
