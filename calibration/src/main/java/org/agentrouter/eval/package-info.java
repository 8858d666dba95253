/**
 * Offline, {@code ./router eval}: the outcome table and RouteLLM's metrics (APGR, CPT) of a routing curve.
 */
package org.agentrouter.eval;
