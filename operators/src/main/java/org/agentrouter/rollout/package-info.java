/**
 * Stage <b>rollout judge</b>: the per-variant statistics routing reports, and the rules that roll a challenger
 * back ({@code RolloutRules}).
 */
package org.agentrouter.rollout;
