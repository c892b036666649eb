// SPDX-License-Identifier: GPL-2.0-only

//! The binary end to end, without the module: usage errors, exit
//! statuses, completions, man pages, batch-file checking.

use assert_cmd::Command;

fn rtemuctl() -> Command {
    Command::cargo_bin("rtemuctl").unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn usage_errors_exit_2_before_touching_the_kernel() {
    let o = rtemuctl()
        .args(["route", "add", "10.0.0.0/8", "clone"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs via"), "{}", stderr(&o));
    let o = rtemuctl()
        .args(["route", "get", "10.0.0.1", "clone", "noreport"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = rtemuctl().args(["route", "show", "ipx"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = rtemuctl()
        .args(["route", "del", "10.0.0.1", "via", "1.2.3.4"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn kernel_side_errors_exit_1_with_a_message() {
    // The kernel refuses this whether or not the host has the module
    // loaded: without it the family is missing; with it, a host route
    // cannot go through its own destination (and without CAP_NET_ADMIN
    // no add is allowed). The table is never changed.
    let o = rtemuctl()
        .args(["route", "add", "10.0.0.1/32", "via", "10.0.0.1"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("Error: "), "{err}");
}

#[test]
fn completions_for_every_shell() {
    for sh in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = rtemuctl().args(["completions", sh]).output().unwrap();
        assert!(o.status.success(), "{sh}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("rtemuctl"),
            "{sh}"
        );
    }
}

#[test]
fn man_pages() {
    let o = rtemuctl().arg("man").output().unwrap();
    assert!(o.status.success());
    let page = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        page.contains(".TH rtemuctl 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    let dir = std::env::temp_dir().join(format!("rtemuctl-man-{}", std::process::id()));
    rtemuctl()
        .args(["man", "--out"])
        .arg(&dir)
        .assert()
        .success();
    for f in [
        "rtemuctl.1",
        "rtemuctl-route.1",
        "rtemuctl-route-add.1",
        "rtemuctl-monitor.1",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn batch_file_errors_name_their_lines() {
    let f = std::env::temp_dir().join(format!("rtemuctl-batch-{}", std::process::id()));
    std::fs::write(
        &f,
        "route add 10.0.0.0/8 via 192.0.2.1\n# fine\nroute add 10.1.0.0/16\nroute show\n",
    )
    .unwrap();
    let o = rtemuctl().arg("-batch").arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let name = f.display().to_string();
    assert!(err.contains(&format!("{name}:3: ")), "{err}");
    assert!(err.contains(&format!("{name}:4: ")), "{err}");
    assert!(!err.contains(&format!("{name}:1: ")), "{err}");
    std::fs::remove_file(&f).unwrap();

    let o = rtemuctl()
        .args(["-batch", "/nonexistent/rtemu.batch"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = rtemuctl().args(["-batch", "x", "stats"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn batch_from_stdin() {
    let o = rtemuctl()
        .args(["-batch", "-"])
        .write_stdin("route get 10.0.0.1\n")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-:1: only route add"), "{}", stderr(&o));
}
