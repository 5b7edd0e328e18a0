//! Pure work split over the machine's cores: a million-row file reads, and its rows are named,
//! in a fraction of the time one core takes, in the same order.

use std::ops::Range;

/// Inputs up to this long are done on the calling thread: starting threads would cost more.
const ALONE: usize = 16_384;

/// `f` over `0..len` cut into one range per core, in order: the first range on the calling
/// thread, the others each on a thread of its own. One range (`0..len`) when `len` is small or
/// the machine has one core. A panic in a part is a bug and surfaces as one.
pub fn in_parts<R: Send>(len: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if len <= ALONE || cores == 1 {
        return vec![f(0..len)];
    }
    let part = len.div_ceil(cores);
    std::thread::scope(|scope| {
        let f = &f;
        let workers: Vec<_> =
            (part..len).step_by(part).map(|start| scope.spawn(move || f(start..(start + part).min(len)))).collect();
        let mut out = Vec::with_capacity(workers.len() + 1);
        out.push(f(0..part));
        out.extend(workers.into_iter().map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))));
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_index_once_in_order() {
        for len in [0, 1, ALONE, ALONE + 1, 100_003] {
            let parts = in_parts(len, |r| r);
            assert_eq!(parts.first().map(|r| r.start), Some(0));
            assert_eq!(parts.last().map(|r| r.end), Some(len));
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start), "{parts:?}");
        }
    }
}
