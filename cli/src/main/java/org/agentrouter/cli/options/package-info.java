/**
 * What every command's options share: where the repository and the shared data are, durations.
 */
package org.agentrouter.cli.options;
