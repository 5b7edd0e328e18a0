//! The seed's SpendingByCategory job over transaction logs (`spearmint batch`): the IO around
//! `spearmint_core::batch`. One thread reads the log (plain or gzip, a file or a pipe) in
//! chunks of whole lines; every other thread sums its chunks into its own groups; the groups
//! are merged, sorted and written. Memory is bounded by the chunks in flight and the number of
//! (user, month, category) groups, never by the log's size. The result is written beside its
//! final name and renamed into place, so a failed run leaves no partial result.
//!
//! The same core also runs as Hadoop Streaming executables ([`map`], [`reduce`]), for when one
//! machine is not enough.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};

pub use spearmint_core::batch::Month;
use spearmint_core::batch::{self as core, BadLine, Budgets, Mapper, Reducer, SellerMap, Spending};

use crate::error::{Error, ErrorKind, Hint, Result};

/// Bytes a reader hands a worker at once: big enough that handing over costs nothing, small
/// enough that a few in flight per thread stay a few tens of MB.
const CHUNK: usize = 4 << 20;

/// Where a job reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Stdin,
}

/// Where a job writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    Stdout,
}

/// How the sellers the map lacks are categorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Categorize {
    /// Only the seller map: the seed's exact job; the rest is `UNCATEGORIZED`.
    #[default]
    Map,
    /// The map, then Spearmint's own normalization, dictionary, lexicon and model.
    Builtin,
}

/// The seed's budget notifications: which budgets, and where the crossings go.
#[derive(Debug, Clone)]
pub struct BudgetCheck {
    /// `user<TAB>CATEGORY<TAB>amount`.
    pub budgets: PathBuf,
    /// `user<TAB>amount` monthly income, for users with no budgets of their own (the seed's
    /// income template); without it those users get none.
    pub income: Option<PathBuf>,
    /// Percent of the budget; the app's are 80 and 100.
    pub thresholds: Vec<u32>,
    pub out: Target,
}

/// A `batch spending` run.
#[derive(Debug, Clone)]
pub struct SpendingJob {
    pub log: Source,
    pub sellers: PathBuf,
    pub categorize: Categorize,
    /// Only this month (the seed's current-month filter); every month when `None`.
    pub month: Option<Month>,
    /// Worker threads; 0 is one per core.
    pub threads: usize,
    /// Count and skip malformed lines instead of stopping at the first.
    pub skip_bad: bool,
    pub out: Target,
    pub budgets: Option<BudgetCheck>,
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpendingSummary {
    pub lines: u64,
    /// Lines of the result.
    pub groups: usize,
    pub skipped: u64,
    /// Lines of the notifications, when budgets were checked.
    pub notifications: Option<usize>,
}

/// The thresholds the app notifies at.
pub const DEFAULT_THRESHOLDS: [u32; 2] = [80, 100];

fn read_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    let kind = if e.kind() == std::io::ErrorKind::NotFound { ErrorKind::NotFound } else { ErrorKind::Storage };
    Error::new(kind, format!("cannot read the {what} {}: {e}", path.display())).with_source(e)
}

fn write_error(path: Option<&Path>, e: std::io::Error) -> Error {
    let place = path.map_or("the output".to_owned(), |p| p.display().to_string());
    let advice = if e.kind() == std::io::ErrorKind::StorageFull { ": free some space and run it again" } else { "" };
    Error::new(ErrorKind::Storage, format!("cannot write {place}: {e}{advice}; nothing was written")).with_source(e)
}

fn bad_line(what: &str, bad: BadLine) -> Error {
    Error::new(ErrorKind::Invalid, format!("the {what}'s {bad}: fix or remove that line"))
}

/// Reads the seller map (`seller<TAB>CATEGORY`).
pub fn seller_map(path: &Path, categorize: Categorize) -> Result<SellerMap> {
    let text = std::fs::read(path).map_err(|e| read_error("seller map", path, e))?;
    let map = SellerMap::parse(&text).map_err(|bad| bad_line("seller map", bad))?;
    Ok(match categorize {
        Categorize::Map => map,
        Categorize::Builtin => map.with_builtin(),
    })
}

/// Counts the bytes read from the file under a decoder, for the progress bar.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// A log opened for reading, gunzipped when it starts with gzip's magic number, and the number
/// of bytes on disk (for progress), when known.
fn open_log(source: &Source) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = match source {
        Source::File(path) => {
            let file = File::open(path).map_err(|e| read_error("log", path, e))?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(file), size)
        }
        Source::Stdin => (Box::new(std::io::stdin()), None),
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let gzip = reader.fill_buf().map(|b| b.starts_with(&[0x1f, 0x8b])).unwrap_or(false);
    Ok(if gzip { (Box::new(flate2::read::MultiGzDecoder::new(reader)), size) } else { (Box::new(reader), size) })
}

fn log_read_error(source: &Source, e: std::io::Error) -> Error {
    match source {
        Source::File(path)
            if e.kind() == std::io::ErrorKind::InvalidInput || e.kind() == std::io::ErrorKind::InvalidData =>
        {
            Error::new(ErrorKind::Invalid, format!("the log {} is a damaged gzip file: {e}", path.display()))
                .with_source(e)
        }
        Source::File(path) => read_error("log", path, e),
        Source::Stdin => Error::new(ErrorKind::Storage, format!("cannot read the log from standard input: {e}")),
    }
}

/// Bytes written between two early flushes of a result to the disk.
const FLUSH_EVERY: usize = 16 << 20;

/// A file being written that asks for a flush to the disk every [`FLUSH_EVERY`] bytes.
struct EarlyFlush<'a> {
    file: &'a File,
    written: usize,
    flush: mpsc::Sender<()>,
}

impl Write for EarlyFlush<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = (&mut &*self.file).write(buf)?;
        self.written += n;
        if self.written >= FLUSH_EVERY {
            self.written = 0;
            let _ = self.flush.send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes `fill`'s output to `target`: a file appears under its name only when complete.
fn write_target(target: &Target, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    match target {
        Target::Stdout => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            fill(&mut out).and_then(|()| out.flush()).map_err(|e| write_error(None, e))
        }
        Target::File(path) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| write_error(Some(path), e))?;
            // While the rest is written, a helper flushes what is written so far to the disk: the
            // final sync waits only for the last of it.
            let (flush_tx, flush_rx) = mpsc::channel::<()>();
            std::thread::scope(|scope| {
                let file = temp.as_file();
                scope.spawn(move || {
                    while flush_rx.recv().is_ok() {
                        while flush_rx.try_recv().is_ok() {}
                        // A failure shows in the final sync.
                        let _ = file.sync_data();
                    }
                });
                let mut out =
                    std::io::BufWriter::with_capacity(1 << 20, EarlyFlush { file, written: 0, flush: flush_tx });
                fill(&mut out).and_then(|()| out.flush()).map_err(|e| write_error(Some(path), e))
            })?;
            temp.as_file().sync_all().map_err(|e| write_error(Some(path), e))?;
            temp.persist(path).map_err(|e| write_error(Some(path), e.error))?;
            Ok(())
        }
    }
}

/// Runs the job. `progress` is called with the bytes read so far and the log's size on disk,
/// when known.
pub fn spending(job: &SpendingJob, progress: &(dyn Fn(u64, Option<u64>) + Sync)) -> Result<SpendingSummary> {
    let map = seller_map(&job.sellers, job.categorize)?;
    let budgets = match &job.budgets {
        None => None,
        Some(check) => Some(read_budgets(check)?),
    };
    let threads = match job.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (reader, size) = open_log(&job.log)?;
    let mut reader = Counting { inner: reader, read: 0 };

    // The first bad line wins: chunks after the earliest bad one are not summed, and every
    // chunk before it is, so its line number can be counted.
    let first_bad = AtomicU64::new(u64::MAX);
    let bad: Mutex<Option<(u64, BadLine)>> = Mutex::new(None);
    let counts: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Vec<u8>, usize)>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();

    let (parts, read_result) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let spare_tx = spare_tx.clone();
                let (map, first_bad, bad, counts, work_rx) = (&map, &first_bad, &bad, &counts, &work_rx);
                scope.spawn(move || {
                    let mut part = Spending::new(map, job.month, job.skip_bad);
                    let mut mine = Vec::new();
                    loop {
                        let next = work_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok((index, chunk, len))) = next else { break };
                        if index < first_bad.load(Ordering::Acquire) {
                            match part.add_chunk(&chunk[..len]) {
                                Ok(lines) => mine.push((index, lines)),
                                Err(line) => {
                                    first_bad.fetch_min(index, Ordering::AcqRel);
                                    let mut bad = bad.lock().unwrap_or_else(|p| p.into_inner());
                                    if bad.is_none_or(|(i, _)| index < i) {
                                        *bad = Some((index, line));
                                    }
                                }
                            }
                        }
                        let _ = spare_tx.send(chunk);
                    }
                    counts.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
                    part
                })
            })
            .collect();
        drop(spare_tx);
        let read_result = read_chunks(&mut reader, &work_tx, &spare_rx, &first_bad, size, progress);
        drop(work_tx);
        let parts: Vec<Spending<'_>> =
            workers.into_iter().map(|w| w.join().expect("a batch worker panicked")).collect();
        (parts, read_result)
    });
    read_result.map_err(|e| log_read_error(&job.log, e))?;

    if let Some((index, line)) = bad.into_inner().unwrap_or_else(|p| p.into_inner()) {
        let before: u64 =
            counts.into_inner().unwrap_or_default().iter().filter(|(i, _)| *i < index).map(|(_, n)| n).sum();
        let bad = BadLine { line: before + line.line, ..line };
        let mut error = bad_line("log", bad);
        if bad.problem != core::Problem::TooLarge {
            error = Error::new(
                ErrorKind::Invalid,
                format!("{}, or skip the malformed lines; nothing was written", error.message()),
            )
            .with_hint(Hint::SkipBadLines);
        }
        return Err(error);
    }
    let lines = counts.into_inner().unwrap_or_default().iter().map(|(_, n)| n).sum();
    let skipped = parts.iter().map(Spending::skipped).sum();
    let notify = match (&job.budgets, &budgets) {
        (Some(check), Some(budgets)) => Some(core::Notify { budgets, thresholds: &check.thresholds }),
        _ => None,
    };
    let (mut merged, mut too_large) = (None, None);
    let written = write_target(&job.out, |out| match core::merge(&map, parts, notify, |piece| out.write_all(piece)) {
        Ok(m) => {
            merged = Some(m);
            Ok(())
        }
        Err(core::MergeError::Write(e)) => Err(e),
        Err(core::MergeError::Total(p)) => {
            too_large = Some(p);
            // Stops the write: the result never appears.
            Err(std::io::Error::other(p.to_string()))
        }
    });
    if let Some(p) = too_large {
        return Err(Error::new(ErrorKind::Invalid, format!("the log: {p}")));
    }
    written?;
    let totals = merged.ok_or_else(|| {
        Error::new(ErrorKind::Internal, "the result was not written: try again, and report it if it keeps happening")
    })?;
    let notifications = match &job.budgets {
        Some(check) => {
            write_target(&check.out, |out| out.write_all(&totals.notifications))?;
            Some(totals.crossed)
        }
        None => None,
    };
    Ok(SpendingSummary { lines, groups: totals.groups, skipped, notifications })
}

fn read_budgets(check: &BudgetCheck) -> Result<Budgets> {
    let budgets = std::fs::read(&check.budgets).map_err(|e| read_error("budgets", &check.budgets, e))?;
    let income = match &check.income {
        Some(path) => Some(std::fs::read(path).map_err(|e| read_error("incomes", path, e))?),
        None => None,
    };
    Budgets::parse(&budgets, income.as_deref())
        .map_err(|(in_budgets, bad)| bad_line(if in_budgets { "budgets" } else { "incomes" }, bad))
}

/// Reads the log into chunks that end at a line's end and hands them to the workers (a buffer
/// and the length of the chunk in it), until the end of the log or a bad line. Buffers come back
/// from the workers and are read into again as they are: zeroed once when made, never again.
fn read_chunks(
    reader: &mut Counting<Box<dyn Read + Send>>,
    work: &mpsc::SyncSender<(u64, Vec<u8>, usize)>,
    spare: &mpsc::Receiver<Vec<u8>>,
    first_bad: &AtomicU64,
    size: Option<u64>,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0u64;
    loop {
        if first_bad.load(Ordering::Acquire) != u64::MAX {
            return Ok(());
        }
        let mut buf = spare.try_recv().unwrap_or_else(|_| vec![0; CHUNK + CHUNK / 4]);
        if buf.len() < carry.len() {
            buf.resize(carry.len(), 0);
        }
        let mut len = carry.len();
        buf[..len].copy_from_slice(&carry);
        carry.clear();
        let mut eof = false;
        // Fill to CHUNK, and beyond only for a line longer than a chunk.
        loop {
            let start = len;
            let want = if start < CHUNK { CHUNK } else { start + CHUNK };
            if buf.len() < want {
                buf.resize(want, 0);
            }
            while len < want {
                match reader.read(&mut buf[len..want]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => len += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if eof || memchr::memrchr(b'\n', &buf[start..len]).is_some() {
                break;
            }
        }
        if !eof {
            let end = memchr::memrchr(b'\n', &buf[..len]).map_or(len, |i| i + 1);
            carry.extend_from_slice(&buf[end..len]);
            len = end;
        }
        progress(reader.read, size);
        if len > 0 && work.send((index, buf, len)).is_err() {
            return Ok(());
        }
        index += 1;
        if eof {
            return Ok(());
        }
    }
}

/// The Hadoop Streaming mapper: log lines from `input`, `user<TAB>YYYY-MM<TAB>CATEGORY<TAB>amount`
/// lines to `output`. Returns the number of lines read.
pub fn map(
    sellers: &Path,
    categorize: Categorize,
    month: Option<Month>,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<u64> {
    let map = seller_map(sellers, categorize)?;
    let mut mapper = Mapper::new(&map, month);
    let mut out = Vec::with_capacity(1 << 16);
    let mut n = 0;
    for_each_line(input, |line| {
        n += 1;
        mapper.map_line(line, &mut out).map_err(|problem| bad_line("input", BadLine { line: n, problem }))?;
        if out.len() > 1 << 16 {
            output.write_all(&out).map_err(|e| write_error(None, e))?;
            out.clear();
        }
        Ok(())
    })?;
    output.write_all(&out).and_then(|()| output.flush()).map_err(|e| write_error(None, e))?;
    Ok(n)
}

/// The Hadoop Streaming reducer and combiner: `key<TAB>amount` lines in any order, one total per
/// key out, in byte order. Returns the number of keys written.
pub fn reduce(input: impl BufRead, mut output: impl Write) -> Result<usize> {
    let mut reducer = Reducer::new();
    let mut n = 0;
    for_each_line(input, |line| {
        n += 1;
        reducer.add_line(line).map_err(|problem| bad_line("input", BadLine { line: n, problem }))
    })?;
    let out = reducer.finish();
    let keys = out.iter().filter(|b| **b == b'\n').count();
    output.write_all(&out).and_then(|()| output.flush()).map_err(|e| write_error(None, e))?;
    Ok(keys)
}

fn for_each_line(mut input: impl BufRead, mut each: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::new(ErrorKind::Storage, format!("cannot read the input: {e}")).with_source(e))?;
        if n == 0 {
            return Ok(());
        }
        each(line.strip_suffix(b"\n").unwrap_or(&line))?;
    }
}
