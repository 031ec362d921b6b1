/*
 * mmu/: guest-physical memory, the I/O-port space, paging and the soft TLB. Public
 * interface of the folder.
 */
#ifndef WIRT_MMU_MMU_H
#define WIRT_MMU_MMU_H

#include "mmu/dirty.h"
#include "mmu/ioport.h"
#include "mmu/paging.h"
#include "mmu/physmem.h"
#include "mmu/tlb.h"

#endif
