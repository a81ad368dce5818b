//! The allocator's settings, in one place: the binary sets them before `main` (`src/main.rs`),
//! the read changes the purge delay for its phases and gives freed memory back at its moments.
//! The binary's allocator is mimalloc; under another global allocator (the tests) these calls set
//! and collect nothing that is used.

/// mimalloc 3's option numbers (`mi_option_e` in mimalloc.h; the same in mimalloc 2). The sys
/// crate names only some of them.
pub const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
pub const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long mimalloc keeps freed memory before it gives it back to the OS, in milliseconds, as the
/// binary starts and while inputs are read (mimalloc 3 waits a second; benches/README.md, "Fifth
/// run").
pub const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// Gives the memory freed so far back to the OS now. The binary's allocator (mimalloc) keeps freed
/// pages for [`PURGE_DELAY_MS`] before it returns them; while every input's events are moved
/// into one vector, the inputs' vectors are freed within a few milliseconds of each other, so
/// without this they were all still resident when the one vector was full: two copies of every
/// event (310 MB against 264 MB for eight 100k-record files, benches/README.md, twenty-ninth
/// run). Under another global allocator (the tests) mimalloc holds nothing and this does nothing.
pub(crate) fn release_freed_memory() {
    // SAFETY: `mi_collect` takes no arguments that point anywhere; it only walks mimalloc's own
    // heaps and may be called at any time from any thread.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// How soon mimalloc gives freed memory back to the OS ([`purge_freed_memory`]).
#[derive(Clone, Copy)]
pub(crate) enum PurgeDelay {
    /// [`PURGE_DELAY_MS`], as the binary starts (`src/main.rs`): the page and envelope readers
    /// free a batch every few milliseconds, and giving each back at once cost them 1.5 s of kernel
    /// time.
    WhileReading,
    /// At once: what runs after the read (the gathering, the diagnosis's indexes growing) frees
    /// larger blocks, seldom, and held for 100 ms they were resident beside their replacements
    /// at a 100k-user tenant's peak.
    AfterReading,
}

/// Sets mimalloc's purge delay for the phase starting, unless `MIMALLOC_PURGE_DELAY` is set (the
/// environment wins, as in `src/main.rs`). Under another global allocator (the tests) it changes
/// nothing that is used.
pub(crate) fn purge_freed_memory(phase: PurgeDelay) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    let ms = match phase {
        PurgeDelay::WhileReading => PURGE_DELAY_MS,
        PurgeDelay::AfterReading => 0,
    };
    // SAFETY: `mi_option_set` only stores an integer in mimalloc's option table; any thread may
    // call it at any time
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) }
}
