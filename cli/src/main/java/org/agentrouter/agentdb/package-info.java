/**
 * {@code ./router memory import}: AgentDB files read and mapped to memories, published to agent-memories or
 * written to a store.
 */
package org.agentrouter.agentdb;
