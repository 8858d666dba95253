package org.agentrouter.cli.model;

import java.nio.file.Path;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.DataPaths;
/** Which outcome data to read and how to read it: shared by calibrate and eval. */
final class OutcomeDataOptions {
    static final String MMLU_WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1";
    static final String MMLU_STRONG = "gpt-4-1106-preview";

    @Option(names = "--data", description = "CSV file or directory of CSVs (default: ${DEFAULT-VALUE})")
    Path data = DataPaths.mmlu();

    @Option(names = "--prompt", description = "prompt column (default: ${DEFAULT-VALUE})")
    String promptColumn = "prompt";

    @Option(names = "--weak", description = "outcome column of the cheap model (default: ${DEFAULT-VALUE})")
    String weak = MMLU_WEAK;

    @Option(names = "--strong", description = "outcome column of the strong model (default: ${DEFAULT-VALUE})")
    String strong = MMLU_STRONG;

    @Option(names = "--good-at", description = "an outcome at or above this answered well: 0.5 for True/False, e.g. 7 for a 1-10 judge score (default: ${DEFAULT-VALUE})")
    double goodAt = 0.5;
}
