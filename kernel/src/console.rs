//! Console output through the ns16550 UART, mapped at the console's fixmap slot (role `console`).

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::mm::fixmap::set_fixmap_inline;
use crate::mm::pte::{LeafFlags, PhysPage};
use crate::plan::{CONSOLE_SLOT, FixSlot};
use crate::smp::lock::{HartLock, HartLockGuard};

/// The UART registers' virtual address; 0 until mapped.
static UART: AtomicUsize = AtomicUsize::new(0);
static UART_PA: AtomicUsize = AtomicUsize::new(0);

const THR: usize = 0;
const LSR: usize = 5;
const LSR_THR_EMPTY: u8 = 1 << 5;

/// The fixmap slot the UART lives in.
pub const UART_SLOT: FixSlot = CONSOLE_SLOT;

/// Map the UART at `pa` through the console's fixmap slot.
///
/// # Safety
/// `pa` is the physical address of a 16550-compatible UART's registers: they are
/// mapped writable.
pub unsafe fn init(pa: usize) {
    UART_PA.store(pa, Ordering::Relaxed);
    remap();
}

/// (Re)install the UART mapping, e.g. after a self-test borrowed the slot.
pub fn remap() {
    let pa = UART_PA.load(Ordering::Relaxed);
    let page = PhysPage::containing(pa);
    // SAFETY: `UART_PA` holds the UART's registers, as `init`'s caller vouched.
    unsafe { set_fixmap_inline(UART_SLOT, page, LeafFlags::KERNEL_RW) };
    UART.store(UART_SLOT.addr() + (pa - page.addr()), Ordering::Relaxed);
}

/// Stop using the UART (its slot is about to be borrowed).
pub fn detach() {
    UART.store(0, Ordering::Relaxed);
}

fn put(byte: u8) {
    let base = UART.load(Ordering::Relaxed);
    if base == 0 {
        // No UART mapping (before the console is set up, or while a self-test
        // borrows its slot): the firmware's console, so nothing is lost — a failure
        // before the console exists still says what went wrong.
        sbi_put(byte);
        return;
    }
    // SAFETY: `base` maps the UART's registers (device memory) while UART != 0;
    // reading LSR has no side effect.
    while unsafe { core::ptr::read_volatile((base + LSR) as *const u8) } & LSR_THR_EMPTY == 0 {}
    // SAFETY: as above; THR takes one byte once LSR says it is empty.
    unsafe { core::ptr::write_volatile((base + THR) as *mut u8, byte) };
}

/// One byte through SBI's legacy console (extension 0x01), which works at any time,
/// with the MMU on or off.
pub fn sbi_put(byte: u8) {
    #[allow(deprecated)]
    sbi_rt::legacy::console_putchar(usize::from(byte));
}

/// Text from the plan (names, descriptions) shown with its control characters as
/// `\u{…}` escapes, so a description cannot move the cursor or ring the bell.
pub struct Visible<'a>(pub &'a str);

impl fmt::Display for Visible<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// The console as a `core::fmt::Write` sink: `\n` goes out as `\r\n`.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                put(b'\r');
            }
            put(b);
        }
        Ok(())
    }
}

/// One hart prints at a time, so lines do not interleave; the hart that holds it
/// may print again (a panic while printing still prints).
static LOCK: HartLock = HartLock::new("the console");

/// Hold the console: no other hart prints until the guard drops (`exit` holds it
/// while the console's slot maps the test device).
pub fn lock() -> HartLockGuard<'static> {
    LOCK.lock()
}

/// Write `args` to the console (through the firmware until the UART is mapped).
/// `print!` and `println!` expand to it.
pub fn print(args: fmt::Arguments<'_>) {
    let _held = LOCK.lock();
    let _ = Console.write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}
