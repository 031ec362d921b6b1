/*
 * base/: the services every layer needs (logging now; the virtual clock, the timer queue
 * and the state-table types arrive with the issues that need them). Knows nothing of x86.
 */
#ifndef WIRT_BASE_BASE_H
#define WIRT_BASE_BASE_H

#include "base/log.h"

#endif
