/*
 * base/: the services every layer needs: logging, the virtual clock and its timer queue,
 * the state-table types, byte-order helpers, a JSON reader. Knows nothing of x86.
 */
#ifndef WIRT_BASE_BASE_H
#define WIRT_BASE_BASE_H

#include "base/clock.h"
#include "base/log.h"
#include "base/state.h"

#endif
