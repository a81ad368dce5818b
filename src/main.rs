//! The `licdiag` binary: parse arguments, run, map the result to an exit code. Nothing else.

use clap::Parser;
use licdiag::ingest::allocator::{
    MI_OPTION_ARENA_EAGER_COMMIT, MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS,
};
use std::io::Write;
use std::process::ExitCode;

/// Parsing allocates many small short-lived strings on every core; mimalloc's thread-local heaps
/// cut that cost (measured in benches/README.md).
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc, called as the `mimalloc` crate calls it but for the alignment: a block the plain
/// functions give is aligned to 8 bytes, as a block of any size is (size classes are multiples of
/// the word), so an allocation that needs no more (almost every one: strings, vectors of
/// pointers) skips the aligned functions' extra checks, about a third of an allocation's cost.
struct Mimalloc;

/// The alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

// SAFETY: every pointer comes from mimalloc and goes back to it; a layout aligned to more than a
// word is passed to mimalloc's aligned functions, which honour any power-of-two alignment.
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_malloc, mi_malloc_aligned};
        // SAFETY: plain C calls with a size (and a power-of-two alignment)
        unsafe {
            if layout.align() <= WORD {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        use libmimalloc_sys::{mi_zalloc, mi_zalloc_aligned};
        // SAFETY: as in `alloc`
        unsafe {
            if layout.align() <= WORD {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract)
        unsafe { libmimalloc_sys::mi_free(ptr.cast()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        use libmimalloc_sys::{mi_realloc, mi_realloc_aligned};
        // SAFETY: `ptr` came from this allocator with `layout` (the caller's contract); the new
        // block keeps the alignment
        unsafe {
            if layout.align() <= WORD {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

/// Freed memory goes back to the OS after [`PURGE_DELAY_MS`] (mimalloc 3 waits a second; at 0 the
/// page and envelope readers, which free a batch every few milliseconds, spent 1.5 s more in the
/// kernel; after the read it is 0, `licdiag::ingest::allocator::purge_freed_memory`) and
/// arenas are committed as they are used, not whole, so the peak RSS follows what is live: measured
/// in benches/README.md ("Fifth run"). An environment variable (`MIMALLOC_PURGE_DELAY`,
/// `MIMALLOC_ARENA_EAGER_COMMIT`) still wins.
///
/// It must run before the first allocation reserves mimalloc's first arena, which happens before
/// `main`: on Linux it is a constructor ordered before mimalloc's own (priority 101); elsewhere it
/// runs first thing in `main`. It reads the environment with libc's `getenv`, which does not
/// allocate.
extern "C" fn tune_allocator() {
    extern "C" {
        fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
    }
    for (option, value, var) in [
        (
            MI_OPTION_PURGE_DELAY,
            PURGE_DELAY_MS,
            c"MIMALLOC_PURGE_DELAY",
        ),
        (
            MI_OPTION_ARENA_EAGER_COMMIT,
            0,
            c"MIMALLOC_ARENA_EAGER_COMMIT",
        ),
    ] {
        // SAFETY: `getenv` reads the process environment with a NUL-terminated name;
        // `mi_option_set` only stores an integer in mimalloc's option table.
        unsafe {
            if getenv(var.as_ptr()).is_null() {
                libmimalloc_sys::mi_option_set(option, value);
            }
        }
    }
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static TUNE_ALLOCATOR: extern "C" fn() = tune_allocator;

fn main() -> ExitCode {
    #[cfg(not(target_os = "linux"))]
    tune_allocator();
    let cli = licdiag::cli::Cli::parse();
    // under --redact, an error that stops the run quotes no address (with the run's key if given)
    let redactor = cli
        .command
        .redact()
        .and_then(licdiag::redact::Redactor::from_args);
    let code = match licdiag::commands::run(cli) {
        Ok(code) => code,
        Err(e) if licdiag::commands::is_broken_pipe(&e) => 0,
        Err(e) => {
            // not `eprintln!`, which panics when stderr cannot be written (a full disk): the exit
            // code says what happened either way
            // one line, whatever a file name or a record's text holds
            let message = licdiag::error::one_line(&format!("{e:#}"));
            let message = match &redactor {
                Some(r) => r.message(&message),
                None => message,
            };
            let _ = writeln!(std::io::stderr(), "licdiag: error: {message}");
            2
        }
    };
    exit_now(code)
}

/// Ends the process once everything is written, without the C runtime's at-exit work: there
/// mimalloc collects every heap and gives their free pages back one `madvise` at a time, 6-20 ms
/// (under strace) after a large run (benches/README.md, sixteenth run) for memory the kernel
/// takes back at exit anyway. Everything `run` wrote is flushed when it returns (its writers are dropped or flushed),
/// except standard output's own buffer, flushed here; if that fails, the process returns as usual.
fn exit_now(code: u8) -> ExitCode {
    use std::io::Write;
    let flushed = std::io::stdout().flush().is_ok();
    let _ = std::io::stderr().flush();
    #[cfg(unix)]
    if flushed {
        // SAFETY: `_exit` ends the process; nothing runs after it
        unsafe { libc::_exit(i32::from(code)) }
    }
    let _ = flushed;
    ExitCode::from(code)
}
