/**
 * Stage <b>score</b>, the hot reload of its model: {@link org.agentrouter.release.ModelSlots} (champion,
 * challenger with share and shadow flag, last-known-good) and the rules by which releases and controls on
 * router-models change them, signature checks first. Without Flink: the scorer adapts its broadcast state.
 */
package org.agentrouter.release;
