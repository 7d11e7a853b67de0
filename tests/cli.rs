//! End-to-end tests of the command line that need no browser: `decode`, config errors, exit
//! codes when the browser is unavailable.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::bin;
use serde_json::Value;

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn decode_prints_hits_as_json() {
    let output = bin()
        .args([
            "decode",
            "https://www.facebook.com/tr/?id=1234567890123456&ev=Purchase&cd[value]=10&cd[currency]=EUR&eid=o-1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let hits = stdout_json(&output);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["vendor"], "meta");
    assert_eq!(hits[0]["event"], "Purchase");
    assert_eq!(hits[0]["account"], "1234567890123456");
    assert_eq!(hits[0]["params"]["value"], 10.0);
    assert_eq!(hits[0]["params"]["event_id"], "o-1");
}

#[test]
fn decode_of_an_unknown_request_is_an_empty_array() {
    let output = bin()
        .args(["decode", "https://example.com/logo.png", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(stdout_json(&output), serde_json::json!([]));
    let text = bin()
        .args(["decode", "https://example.com/logo.png"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("no vendor recognises"));
}

#[test]
fn decode_reads_a_post_body_from_stdin() {
    let mut child = bin()
        .args([
            "decode",
            "https://region1.google-analytics.com/g/collect?v=2&tid=G-ABC123&cid=1.2&dl=https%3A%2F%2Fshop.test%2F",
            "--method",
            "POST",
            "--body",
            "-",
            "--format",
            "json",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"en=page_view\r\nen=add_to_cart&cu=EUR&epn.value=59.9&pr1=idLS-001~nmLinen~pr59.9~qt1",
        )
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let hits = stdout_json(&output);
    let events: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["page_view", "add_to_cart"]);
    assert_eq!(
        hits[1]["params"]["content_ids"],
        serde_json::json!(["LS-001"])
    );
}

#[test]
fn invalid_site_config_exits_3_pointing_at_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "base_url = \"https://shop.test/\"\n\n[browser]\nquiet_msec = 100\n",
    )
    .unwrap();
    let output = bin().args(["audit"]).arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:4:1", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("unknown field `quiet_msec`"), "{stderr}");
    assert!(stderr.contains("4 | quiet_msec = 100"), "{stderr}");
    assert!(stderr.contains("^^^^^^^^^^"), "{stderr}");
}

#[test]
fn missing_chromedriver_exits_4_with_install_hint() {
    let output = bin()
        .args([
            "audit",
            "--url",
            "https://shop.test/",
            "--chromedriver",
            "/nonexistent/chromedriver",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("apt-get install -y chromium chromium-driver"),
        "{stderr}"
    );
}

#[test]
fn driver_and_browser_major_mismatch_exits_4_and_says_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    // A stand-in that only answers `--version`: the check must refuse it before driving anything.
    let dir = tempfile::tempdir().unwrap();
    let old_driver = dir.path().join("chromedriver");
    std::fs::write(
        &old_driver,
        "#!/bin/sh\necho 'ChromeDriver 99.0.4844.51 (abc)'\n",
    )
    .unwrap();
    std::fs::set_permissions(&old_driver, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = bin()
        .args(["audit", "--url", "https://shop.test/", "--chromedriver"])
        .arg(&old_driver)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`ChromeDriver 99.0.4844.51 (abc)` cannot drive `Chromium 1"),
        "{stderr}"
    );
    assert!(stderr.contains("major versions must match"), "{stderr}");
}

#[test]
fn audit_without_a_target_is_a_usage_error() {
    let output = bin().args(["audit"]).output().unwrap();
    assert_eq!(output.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing to audit"));
}

#[test]
fn bundled_demo_site_config_is_valid() {
    let output = bin()
        .args([
            "audit",
            "sites/demo-store.toml",
            "--chromedriver",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    // Config loads (not 3); the missing driver is what stops it.
    assert_eq!(output.status.code(), Some(4));
}

#[test]
fn every_bundled_and_example_config_validates() {
    let output = bin()
        .args([
            "validate",
            "sites/example.toml",
            "sites/demo-store.toml",
            "tests/fixtures/sites/consent.toml",
            "tests/fixtures/sites/steps.toml",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("ok: sites/example.toml (2 page(s), 1 journey(s), 6 expectation(s))"),
        "{stdout}"
    );
}

#[test]
fn validate_reports_each_broken_file_with_a_suggestion_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let bad_vendor = dir.path().join("vendor.toml");
    std::fs::write(&bad_vendor, "base_url = \"https://shop.test/\"\n[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"tiktk\"\nevent = \"Pageview\"\n").unwrap();
    let bad_rule = dir.path().join("rule.toml");
    std::fs::write(&bad_rule, "base_url = \"https://shop.test/\"\n[[pages]]\npath = \"/\"\n[[pages.expect]]\nvendor = \"meta\"\nevent = \"Purchase\"\nparams = { currency = \"iso_curency\" }\n").unwrap();
    let output = bin()
        .arg("validate")
        .arg(&bad_vendor)
        .arg(&bad_rule)
        .arg("sites/demo-store.toml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:5:10", bad_vendor.display())),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `tiktok`?"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:7:23", bad_rule.display())),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `iso_currency`?"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok: sites/demo-store.toml"));
}

#[test]
fn validate_reports_every_error_of_a_file_at_its_position() {
    let fixture = "tests/fixtures/sites/three-errors.toml";
    let output = bin().args(["validate", fixture]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let positions: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix(" --> "))
        .collect();
    assert_eq!(
        positions,
        [
            format!("{fixture}:6:10"),
            format!("{fixture}:9:12"),
            format!("{fixture}:15:14"),
        ],
        "{stderr}"
    );
    assert!(stderr.contains("unknown device `tablet`"), "{stderr}");
    assert!(stderr.contains("did you mean `tiktok`?"), "{stderr}");
    assert!(stderr.contains("did you mean `currency`?"), "{stderr}");
    assert!(stderr.contains(&format!("{fixture}: 3 errors")), "{stderr}");
}

#[test]
fn validate_reads_variables_from_the_environment_and_names_an_unset_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.toml");
    std::fs::write(
        &path,
        "base_url = \"https://${PIXELAUDIT_TEST_HOST}/\"\n[network]\nresolve = [\"${PIXELAUDIT_TEST_HOST}=127.0.0.1:${PIXELAUDIT_TEST_PORT}\"]\n",
    )
    .unwrap();
    let output = bin()
        .arg("validate")
        .arg(&path)
        .env("PIXELAUDIT_TEST_HOST", "staging.shop.test")
        .env("PIXELAUDIT_TEST_PORT", "8443")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = bin()
        .arg("validate")
        .arg(&path)
        .env("PIXELAUDIT_TEST_HOST", "staging.shop.test")
        .env_remove("PIXELAUDIT_TEST_PORT")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("environment variable `PIXELAUDIT_TEST_PORT` is not set"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:3:47", path.display())),
        "{stderr}"
    );
}

#[test]
fn several_formats_need_an_output_folder_and_say_so_before_running() {
    let output = bin()
        .args([
            "audit",
            "--url",
            "https://shop.test/",
            "--format",
            "json,html",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&output.stderr).contains("give --output DIR"));
}

#[test]
fn vendors_lists_every_registered_vendor_with_its_id_format() {
    let output = bin().arg("vendors").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for vendor in pixelaudit_core::vendors::all() {
        let profile = vendor.profile();
        let row = stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(profile.name))
            .unwrap_or_else(|| panic!("no row for {vendor}:\n{stdout}"));
        assert!(row.contains(profile.display), "{row}");
        assert!(row.contains(profile.id_format), "{row}");
    }

    let json = bin()
        .args(["vendors", "--format", "json"])
        .output()
        .unwrap();
    assert!(json.status.success());
    let names: Vec<String> = stdout_json(&json)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    let registered: Vec<&str> = pixelaudit_core::vendors::all()
        .iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(names, registered, "every vendor, in display order");
}

#[test]
fn vendors_tiktok_json_names_complete_payment_and_purchase_as_aliases() {
    let output = bin()
        .args(["vendors", "tiktok", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let vendors = stdout_json(&output);
    assert_eq!(vendors.as_array().unwrap().len(), 1);
    let tiktok = &vendors[0];
    assert_eq!(tiktok["name"], "tiktok");
    let aliases = |name: &str| {
        tiktok["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {tiktok}"))["aliases"]
            .clone()
    };
    assert_eq!(aliases("CompletePayment"), serde_json::json!(["Purchase"]));
    assert_eq!(aliases("Purchase"), serde_json::json!(["CompletePayment"]));
    assert_eq!(tiktok["event_id_key"], "event_id");
    assert_eq!(
        tiktok["repeats"]["events"],
        serde_json::json!(["ClickButton"])
    );
    assert!(!tiktok["id_format"].as_str().unwrap().is_empty());
    assert!(tiktok["params"].as_array().unwrap().iter().any(|p| {
        p["key"] == "currency"
            && p["required_on"] == "purchase_or_value"
            && p["from"] == "properties.currency"
    }));

    let text = bin().args(["vendors", "tiktok"]).output().unwrap();
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("same event as Purchase"), "{text}");
}

#[test]
fn vendors_meta_lists_its_automatic_events_apart_from_its_standard_ones() {
    let output = bin()
        .args(["vendors", "meta", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let meta = &stdout_json(&output)[0];
    assert_eq!(
        meta["automatic"],
        serde_json::json!(["Microdata", "SubscribedButtonClick"])
    );
    assert_eq!(meta["repeats"]["events"], serde_json::json!([]));
    let events = meta["events"].as_array().unwrap();
    assert!(events.iter().all(|e| e["name"] != "Microdata"), "{meta}");
    let tiktok = bin()
        .args(["vendors", "tiktok", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&tiktok)[0]["automatic"], serde_json::json!([]));

    let text = bin().args(["vendors", "meta"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("sent by its library on its own")
            && text.contains("Microdata, SubscribedButtonClick"),
        "{text}"
    );
}

#[test]
fn vendors_name_says_which_request_key_feeds_each_parameter() {
    let json = |name: &str| {
        let output = bin()
            .args(["vendors", name, "--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success());
        stdout_json(&output)[0].clone()
    };
    let from = |vendor: &serde_json::Value, list: &str, key: &str| -> String {
        vendor[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {list} of {vendor}"))["from"]
            .as_str()
            .unwrap_or_else(|| panic!("{key} of {vendor} has no `from`"))
            .to_string()
    };
    let meta = json("meta");
    assert_eq!(from(&meta, "params", "event_id"), "eid");
    assert_eq!(from(&meta, "params", "value"), "cd[value]");
    assert_eq!(from(&meta, "other_params", "page_url"), "dl");
    let other_keys: Vec<&str> = meta["other_params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(other_keys, ["content_type", "page_url", "consent"]);
    let snap = from(&json("snap"), "params", "event_id");
    assert!(
        snap.starts_with("cdid, else e_client_dedup_id or client_dedup_id"),
        "{snap}"
    );
    let x = from(&json("x"), "params", "event_id");
    assert!(x.contains("conversion_id inside event={…}"), "{x}");
    let reddit = from(&json("reddit"), "params", "event_id");
    assert!(
        reddit.starts_with("m.conversionId, sent SHA-256-hashed"),
        "{reddit}"
    );
    // Every listed param of every vendor says where it comes from.
    for vendor in pixelaudit_core::vendors::all() {
        let info = json(vendor.as_str());
        for param in info["params"].as_array().unwrap() {
            assert!(param["from"].is_string(), "{vendor}: {param}");
        }
        assert!(info["other_params"].is_array(), "{vendor}");
    }
    let shopify = json("shopify");
    assert_eq!(shopify["params"], serde_json::json!([]), "not checked");
    assert_eq!(
        from(&shopify, "other_params", "event_id"),
        "web pixel: id; monorail: payload.event_id"
    );
    assert_eq!(
        json("gtm")["other_params"],
        serde_json::json!([]),
        "a loader"
    );

    let text = bin().args(["vendors", "meta"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let row = |key: &str| -> Vec<String> {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} row:\n{text}"))
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(row("key"), ["key", "must be", "required", "read from"]);
    assert_eq!(
        row("event_id"),
        [
            "event_id",
            "-",
            "on conversions, sent as `eid` (else a `missing_eid` warning)",
            "eid"
        ]
    );
    assert_eq!(
        row("value"),
        [
            "value",
            "a number",
            "on purchases (else `missing_param`)",
            "cd[value]"
        ]
    );
    assert!(
        text.contains("also decoded (`params` rules can check them; the generic checks do not):"),
        "{text}"
    );
    assert_eq!(row("page_url"), ["page_url", "dl"]);
    let shopify = bin().args(["vendors", "shopify"]).output().unwrap();
    let shopify = String::from_utf8_lossy(&shopify.stdout);
    assert!(
        shopify.contains("parameters decoded (normalised keys for `params` rules):\n  key             read from\n  value           web pixel: data.checkout.totalPrice.amount"),
        "{shopify}"
    );
}

#[test]
fn a_decoded_microdata_request_is_an_automatic_hit() {
    let output = bin()
        .args([
            "decode",
            "https://www.facebook.com/tr/?id=1234567890123456&ev=Microdata&cd[JSON-LD]=%5B%5D",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let hits = stdout_json(&output);
    assert_eq!(hits[0]["kind"], "automatic", "{hits}");
    assert_eq!(hits[0]["event"], "Microdata");
}

#[test]
fn an_unknown_vendor_is_a_usage_error_with_a_suggestion() {
    let output = bin().args(["vendors", "facebok"]).output().unwrap();
    assert_eq!(output.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown vendor `facebok`"), "{stderr}");
    assert!(stderr.contains("did you mean `meta`?"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn usage_errors_and_urls_that_cannot_be_audited_exit_6_before_anything_runs() {
    for args in [
        vec!["audit", "--bogus-flag"],
        vec!["audit", "--url", "not a url"],
        vec!["audit", "--url", "file:///etc/passwd"],
        vec!["audit", "--url", "javascript:alert(1)"],
        vec!["audit", "--url", "data:text/html,<script>alert(1)</script>"],
        vec!["audit", "--base-url", "file:///tmp/"],
        vec!["frobnicate"],
    ] {
        let output = bin()
            .args(&args)
            .args(["--chromedriver", "/nonexistent/chromedriver"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(6), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let refused = bin()
        .args(["audit", "--url", "file:///etc/passwd"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("`file:` URLs cannot be audited; a page is an http:// or https:// URL"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Help and version are answers, not errors.
    for args in [["--help"], ["--version"]] {
        assert_eq!(bin().args(args).output().unwrap().status.code(), Some(0));
    }
}

#[test]
fn config_pages_and_goto_steps_must_be_web_urls() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("shop.toml");
    std::fs::write(
        &config,
        "base_url = \"https://shop.test/\"\n[[pages]]\nurl = \"file:///etc/passwd\"\n[[pages]]\npath = \"javascript:alert(1)\"\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\ngoto = \"data:text/html,hi\"\n",
    )
    .unwrap();
    let output = bin().arg("validate").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for (line, scheme) in [(3, "file"), (5, "javascript"), (9, "data")] {
        assert!(
            stderr.contains(&format!("`{scheme}:` URLs cannot be audited"))
                && stderr.contains(&format!("shop.toml:{line}:")),
            "{scheme} at line {line}: {stderr}"
        );
    }
}

#[test]
fn a_config_file_over_one_mib_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("huge.toml");
    let mut text = String::from("base_url = \"https://shop.test/\"\n");
    while text.len() <= 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&config, text).unwrap();
    let output = bin().arg("validate").arg(&config).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a site config is at most 1048576 bytes (1 MiB)"),
        "{stderr}"
    );
}
