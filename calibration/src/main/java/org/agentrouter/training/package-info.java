/**
 * Offline, {@code ./router train}: learned routers trained in Java (DJL, PyTorch), their protocols and their
 * export as releases.
 */
package org.agentrouter.training;
