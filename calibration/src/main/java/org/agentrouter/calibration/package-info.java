/**
 * Offline, {@code ./router calibrate}: the shipped model's memory, cross-fitted scoring of the MMLU outcomes
 * exactly as the job scores, and the conformal fit stored in a release.
 */
package org.agentrouter.calibration;
