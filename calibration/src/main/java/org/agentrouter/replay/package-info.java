/**
 * Offline, {@code ./router replay}: the namespace learner replayed over decisions and partial feedback.
 */
package org.agentrouter.replay;
