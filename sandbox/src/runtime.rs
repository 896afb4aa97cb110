//! The guest runtime on disk: our Python guest built by componentize-py into a pre-initialized
//! CPython 3.14 component, plus the read-only standard library it imports the rest from.
//!
//! Built on first use, with no manual step: componentize-py is pip-installed into a private
//! venv under the cache directory, the guest sources (embedded in this crate) are written to a
//! staging directory and componentized, and the result is moved into place atomically. The
//! directory name is the hash of every input, so a changed guest gets a new directory; a
//! manifest holds the hashes of the outputs, so a corrupted file is noticed and rebuilt. A
//! file lock makes concurrent processes (parallel test binaries) build it once.

use crate::Error;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The componentize-py release the guest is built with (it bundles CPython 3.14).
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
const GUEST_PY: &str = include_str!("../guest/rlvr_guest.py");
const GUEST_WIT: &str = include_str!("../guest/wit/sandbox.wit");
/// Bump when the layout of a runtime directory changes.
const LAYOUT: &str = "rlvr-runtime-1";

/// A built, verified runtime.
#[derive(Debug, Clone)]
pub struct RuntimeFiles {
    /// The directory holding everything below.
    pub dir: PathBuf,
    /// The component (`guest.wasm`).
    pub component: PathBuf,
    /// The standard library, mounted read-only at `/python` in the guest.
    pub stdlib: PathBuf,
}

/// The cache directory: `$RLVR_CACHE_DIR`, else `$XDG_CACHE_HOME/rlvr`, else `~/.cache/rlvr`.
pub fn cache_dir() -> Result<PathBuf, Error> {
    let nonempty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = nonempty("RLVR_CACHE_DIR") {
        return Ok(d);
    }
    if let Some(d) = nonempty("XDG_CACHE_HOME") {
        return Ok(d.join("rlvr"));
    }
    if let Some(h) = nonempty("HOME") {
        return Ok(h.join(".cache").join("rlvr"));
    }
    Err(Error::Runtime(
        "no cache directory: set RLVR_CACHE_DIR (or HOME or XDG_CACHE_HOME)".into(),
    ))
}

/// The hash of every input of the build: it names the runtime directory.
fn input_key() -> String {
    let mut h = Sha256::new();
    for part in [LAYOUT, COMPONENTIZE_PY, GUEST_PY, GUEST_WIT] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())[..16].to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io_err(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let (what, path) = (what.to_string(), path.display().to_string());
    move |e| Error::Runtime(format!("{what} {path}: {e}"))
}

/// Make sure the runtime for this build of the crate exists under `cache` and is intact,
/// building it if not. `log` receives progress lines (the build takes about a minute).
pub fn ensure(cache: &Path, log: &dyn Fn(&str)) -> Result<RuntimeFiles, Error> {
    let key = input_key();
    let files = RuntimeFiles {
        dir: cache.join(format!("runtime-{key}")),
        component: cache.join(format!("runtime-{key}")).join("guest.wasm"),
        stdlib: cache.join(format!("runtime-{key}")).join("stdlib"),
    };
    if verify(&files).is_ok() {
        return Ok(files);
    }
    fs::create_dir_all(cache).map_err(io_err("cannot create", cache))?;
    let lock_path = cache.join(format!("runtime-{key}.lock"));
    let lock = fs::File::create(&lock_path).map_err(io_err("cannot create", &lock_path))?;
    lock.lock().map_err(io_err("cannot lock", &lock_path))?;
    // Someone else may have built it while we waited for the lock.
    match verify(&files) {
        Ok(()) => return Ok(files),
        Err(why) if files.dir.exists() => {
            log(&format!("rlvr: rebuilding the sandbox runtime ({why})"));
            fs::remove_dir_all(&files.dir).map_err(io_err("cannot remove", &files.dir))?;
        }
        Err(_) => log("rlvr: building the sandbox runtime (once per machine, about a minute)"),
    }
    let componentize = ensure_componentize_py(cache, log)?;
    let stage = cache.join(format!("build-{key}-{}", std::process::id()));
    let built = build(&componentize, &stage).and_then(|()| {
        fs::rename(&stage, &files.dir).map_err(io_err("cannot move into place", &files.dir))
    });
    if built.is_err() {
        let _ = fs::remove_dir_all(&stage);
    }
    built?;
    verify(&files).map_err(|why| Error::Runtime(format!("the fresh runtime is broken: {why}")))?;
    Ok(files)
}

/// The venv with componentize-py, created (with pip) on first use. It is built in place (a
/// venv's scripts name their own path) and marked complete only after pip succeeds.
fn ensure_componentize_py(cache: &Path, log: &dyn Fn(&str)) -> Result<PathBuf, Error> {
    let venv = cache.join("venv-componentize-py-0.25.1");
    let exe = venv.join("bin").join("componentize-py");
    let done = venv.join(".rlvr-installed");
    if done.exists() && exe.exists() {
        return Ok(exe);
    }
    let python = std::env::var("RLVR_PYTHON").unwrap_or_else(|_| "python3".into());
    let _ = fs::remove_dir_all(&venv);
    log(&format!(
        "rlvr: installing {COMPONENTIZE_PY} into {}",
        venv.display()
    ));
    let made = Command::new(&python)
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .output();
    match made {
        Err(e) => {
            return Err(Error::Runtime(format!(
                "cannot run `{python}` ({e}); the sandbox needs Python 3.9+ with venv and pip \
                 once, to build its runtime: install it (e.g. `apt-get install python3 \
                 python3-venv`) or point RLVR_PYTHON at an interpreter"
            )))
        }
        Ok(out) if !out.status.success() => {
            return Err(Error::Runtime(format!(
                "`{python} -m venv` failed: {}; install the venv module (e.g. `apt-get install \
                 python3-venv`) or point RLVR_PYTHON at another interpreter",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
        Ok(_) => {}
    }
    let pip = Command::new(venv.join("bin").join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(COMPONENTIZE_PY)
        .output()
        .map_err(|e| Error::Runtime(format!("cannot run pip: {e}")))?;
    if !pip.status.success() {
        return Err(Error::Runtime(format!(
            "`pip install {COMPONENTIZE_PY}` failed (is the package index reachable? \
             `rlvr runtime fetch` on a connected machine fills the cache): {}",
            String::from_utf8_lossy(&pip.stderr).trim()
        )));
    }
    fs::write(&done, COMPONENTIZE_PY).map_err(io_err("cannot write", &done))?;
    Ok(exe)
}

/// Componentize the guest into `stage`: guest.wasm, stdlib/ and manifest.json.
fn build(componentize: &Path, stage: &Path) -> Result<(), Error> {
    let _ = fs::remove_dir_all(stage);
    fs::create_dir_all(stage.join("wit")).map_err(io_err("cannot create", stage))?;
    let write = |name: &str, text: &str| {
        let p = stage.join(name);
        fs::write(&p, text).map_err(io_err("cannot write", &p))
    };
    write("rlvr_guest.py", GUEST_PY)?;
    write("wit/sandbox.wit", GUEST_WIT)?;
    write(".rlvr-export-stdlib", "")?;
    let venv = componentize
        .parent()
        .and_then(Path::parent)
        .unwrap_or(stage);
    let out = Command::new(componentize)
        .current_dir(stage)
        .env("VIRTUAL_ENV", venv)
        .args([
            "-q",
            "-d",
            "wit",
            "-w",
            "sandbox",
            "componentize",
            "-p",
            ".",
        ])
        .args(["rlvr_guest", "-o", "guest.wasm"])
        .output()
        .map_err(|e| Error::Runtime(format!("cannot run componentize-py: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let head: String = err.lines().take(40).collect::<Vec<_>>().join("\n");
        return Err(Error::Runtime(format!("componentize-py failed:\n{head}")));
    }
    for leftover in ["rlvr_guest.py", ".rlvr-export-stdlib", "__pycache__", "wit"] {
        let p = stage.join(leftover);
        let _ = fs::remove_file(&p).or_else(|_| fs::remove_dir_all(&p));
    }
    write_manifest(stage)
}

/// Record the hashes of `dir`'s guest.wasm and stdlib/ in its manifest.json.
fn write_manifest(dir: &Path) -> Result<(), Error> {
    let manifest = Manifest {
        component: hash_file(&dir.join("guest.wasm"))?,
        stdlib: hash_tree(&dir.join("stdlib"))?,
    };
    let p = dir.join("manifest.json");
    let mut f = fs::File::create(&p).map_err(io_err("cannot write", &p))?;
    let text =
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::Runtime(e.to_string()))?;
    f.write_all(text.as_bytes())
        .map_err(io_err("cannot write", &p))?;
    f.sync_all().map_err(io_err("cannot write", &p))?;
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
struct Manifest {
    component: String,
    stdlib: String,
}

/// Check the runtime's files against its manifest.
pub fn verify(files: &RuntimeFiles) -> Result<(), String> {
    let text = fs::read_to_string(files.dir.join("manifest.json")).map_err(|e| e.to_string())?;
    let want: Manifest = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let got = Manifest {
        component: hash_file(&files.component).map_err(|e| e.to_string())?,
        stdlib: hash_tree(&files.stdlib).map_err(|e| e.to_string())?,
    };
    if got.component != want.component {
        return Err("guest.wasm does not match its manifest".into());
    }
    if got.stdlib != want.stdlib {
        return Err("stdlib/ does not match its manifest".into());
    }
    Ok(())
}

fn hash_file(path: &Path) -> Result<String, Error> {
    let bytes = fs::read(path).map_err(io_err("cannot read", path))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

/// One hash over every file under `root`: sorted relative paths, lengths and contents.
fn hash_tree(root: &Path) -> Result<String, Error> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(io_err("cannot read", &dir))? {
            let entry = entry.map_err(io_err("cannot read", &dir))?;
            let kind = entry
                .file_type()
                .map_err(io_err("cannot stat", &entry.path()))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap_or(f).to_string_lossy();
        let bytes = fs::read(f).map_err(io_err("cannot read", f))?;
        h.update((rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_notices_a_corrupted_or_missing_file() {
        let dir = std::env::temp_dir().join(format!("rlvr-runtime-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("stdlib/json")).unwrap();
        fs::write(dir.join("guest.wasm"), b"\0asm component").unwrap();
        fs::write(dir.join("stdlib/os.py"), b"# os").unwrap();
        fs::write(dir.join("stdlib/json/__init__.py"), b"# json").unwrap();
        write_manifest(&dir).unwrap();
        let files = RuntimeFiles {
            dir: dir.clone(),
            component: dir.join("guest.wasm"),
            stdlib: dir.join("stdlib"),
        };
        assert_eq!(verify(&files), Ok(()));
        fs::write(dir.join("stdlib/json/__init__.py"), b"# JSON").unwrap();
        assert!(verify(&files).unwrap_err().contains("stdlib"));
        fs::write(dir.join("stdlib/json/__init__.py"), b"# json").unwrap();
        fs::write(dir.join("guest.wasm"), b"\0asm c0mponent").unwrap();
        assert!(verify(&files).unwrap_err().contains("guest.wasm"));
        fs::remove_file(dir.join("manifest.json")).unwrap();
        assert!(verify(&files).is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}
