// How the daemon's large buffers (messages of megabytes being received, signed, stored or
// delivered) come from and go back to the system.
#pragma once

namespace stsrelay::app {

// glibc raises its mmap threshold to the size of every large block it frees (up to 32 MiB), so
// after a burst of big messages later ones come from the heap, which does not shrink: the RSS of
// the burst stays. A fixed threshold keeps every block of 1 MiB or more in a mapping of its own,
// returned to the system when freed, so memory goes back once the burst is over. Call once, at
// start, before the threads.
void return_large_buffers_to_the_system();

}  // namespace stsrelay::app
