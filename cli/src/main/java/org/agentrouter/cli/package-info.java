/**
 * {@code ./router}: the command line ({@code RouterCli}), its commands grouped by audience in {@code ops},
 * {@code model} and {@code bench}.
 */
package org.agentrouter.cli;
