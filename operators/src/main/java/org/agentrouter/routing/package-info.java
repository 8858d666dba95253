/**
 * Stage <b>route (conformal)</b>: the conformal decision ({@code ConformalRule}, {@code GroupRiskControl},
 * {@code ConformalCalibrator}), the fallback ladder ({@code RecentDecisions}, {@code HeuristicRoute}), pricing,
 * circuit breakers and the decision itself ({@code RouteDecider}); the health rules and the live guarantee window
 * of the guarantee monitor.
 */
package org.agentrouter.routing;
