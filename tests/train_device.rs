//! `--device` end to end: the real binary on a machine without CUDA. `rlvr train` and
//! `rlvr generate-text` with `--device cuda` must stop at once with the probe's error (exit 2,
//! `error: --device cuda:0: backend: CUDA is not available: ...`), without a panic and before reading
//! data or models; a malformed device is a usage error. Skipped where CUDA libraries load.

use std::process::{Command, Output};

fn rlvr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rlvr"))
        .args(args)
        .output()
        .expect("running rlvr")
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rlvr-device-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn cuda_without_a_gpu_is_a_clear_error() {
    if rlvr_train::backend::cuda::probe().is_ok() {
        eprintln!("cuda: skipped: CUDA libraries present");
        return;
    }
    let dir = tmpdir("cuda");
    let out = dir.join("run");
    let (out_s, missing) = (
        out.to_str().unwrap(),
        dir.join("missing").to_str().unwrap().to_string(),
    );
    let runs: [(&str, Vec<&str>); 3] = [
        ("cuda:0", vec!["train", "--device", "cuda", "--out", out_s]),
        (
            "cuda:1",
            vec![
                "train", "--device", "cuda:1", "--out", out_s, "--model", &missing, "--data",
                &missing,
            ],
        ),
        (
            "cuda:0",
            vec![
                "generate-text",
                "--device",
                "cuda",
                "--model",
                &missing,
                "--prompts",
                &missing,
                "--out",
                out_s,
            ],
        ),
    ];
    for (device, args) in runs {
        let o = rlvr(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let head = format!("error: --device {device}: ");
        assert!(err.starts_with(&head), "{args:?}: {err}");
        assert!(
            err.contains("CUDA is not available: cannot load libcuda"),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}

#[test]
fn a_malformed_device_is_a_usage_error() {
    for dev in ["gpu", "cuda:x", "cuda:"] {
        let o = rlvr(&["train", "--device", dev, "--print-config"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{dev}: {err}");
        assert!(err.contains("expected cpu, cuda or cuda:N"), "{dev}: {err}");
    }
    let o = rlvr(&["train", "--device", "cpu", "--print-config"]);
    assert_eq!(o.status.code(), Some(0));
}
