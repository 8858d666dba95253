/**
 * What every command shares: where the repository and the shared data are, durations, the help option, exit codes.
 */
package org.agentrouter.cli.options;
