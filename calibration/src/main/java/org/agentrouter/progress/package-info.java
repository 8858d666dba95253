/**
 * Every long command's progress: a bar on a terminal, a plain line every few seconds in a log.
 */
package org.agentrouter.progress;
