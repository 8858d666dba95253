/**
 * Commands for operators of the router: run, demo, submit, cluster, produce, consume, health, stop, memory,
 * fuzz.
 */
package org.agentrouter.cli.ops;
