//! One server per data directory: an exclusive advisory lock on `DIR/cognate.lock`, held for
//! the server's life (the kernel drops it when the process dies, `kill -9` included), with the
//! holder's process id written in it so that a second server can say who holds it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{Error, StoreError};

/// The lock, released on drop.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

/// Takes the lock of `dir` (created if needed), or fails naming the process that holds it.
pub(crate) fn lock(dir: &Path) -> Result<DirLock, Error> {
    let io = |source| {
        Error::Store(StoreError::Io {
            path: dir.display().to_string(),
            source,
        })
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join("cognate.lock");
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            writeln!(file, "{}", std::process::id()).map_err(io)?;
            Ok(DirLock { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let pid = text.trim().parse::<u32>().ok();
            Err(Error::DataDirInUse {
                dir: dir.display().to_string(),
                pid,
            })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
    }
}
