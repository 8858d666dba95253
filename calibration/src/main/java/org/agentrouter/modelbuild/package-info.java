/**
 * Offline: the seed model and the ONNX graphs of trained routers, built to the serving contract.
 */
package org.agentrouter.modelbuild;
