package org.agentrouter.cli.options;

import picocli.CommandLine.Option;

/**
 * {@code -h}/{@code --help} alone, for commands whose own {@code --version} option (a model version) collides with
 * picocli's standard {@code -V}/{@code --version}: picocli then drops the whole standard pair, {@code --help}
 * included. Every other command has {@code mixinStandardHelpOptions}.
 */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
