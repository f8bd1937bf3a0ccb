//! The JSON export has the documented shape, re-read independently of the plan.

use serde_json::Value;

fn hex(v: &Value) -> u64 {
    let s = v.as_str().expect("addresses are strings");
    assert!(
        s.starts_with("0x") && s == s.to_lowercase(),
        "lower-case hex: {s}"
    );
    u64::from_str_radix(&s[2..], 16).expect("hex")
}

#[test]
fn default_export_matches_the_documented_shape() {
    let plan = vmlayout_tests::plan(&vmlayout_tests::repo().join("layout.toml"));
    let json: Value =
        serde_json::from_str(&vmlayout::emit::json::render(&plan)).expect("valid JSON");
    assert_eq!(json["mode"], "sv39");
    assert_eq!(json["levels"], 3);
    let regions = json["regions"].as_array().expect("regions");
    for r in regions {
        let (start, size, end) = (hex(&r["start"]), hex(&r["size"]), hex(&r["end"]));
        assert_eq!(start + size, end, "end is exclusive");
        assert!(r["name"].is_string() && r["purpose"].is_string() && r["perms"].is_string());
    }
    let fdt = regions.iter().find(|r| r["name"] == "fdt").expect("fdt");
    assert_eq!(fdt["start"], "0xffffffffc0400000");
    assert_eq!(fdt["perms"], "r");
    for g in json["gaps"].as_array().expect("gaps") {
        assert_eq!(hex(&g["start"]) + hex(&g["size"]), hex(&g["end"]));
    }
    let f = &json["fixmap"];
    assert_eq!(f["region"], "fixmap");
    assert_eq!(f["base"], "0xffffffffc0a00000");
    assert_eq!(f["tables"], 1);
    assert_eq!(f["last"], 65);
    assert_eq!(f["order"], "up");
    assert_eq!(f["tables_start"], "0xffffffffc0a00000");
    assert_eq!(
        f["slots"],
        serde_json::json!([
            {"name": "pmap", "first": 0, "count": 64, "role": "pmap", "hole": false, "harts": 8, "per_hart": 8, "description": "PMAP: temporary mappings before the direct map exists"},
            {"name": "misc", "first": 64, "count": 1, "role": "console", "hole": false, "harts": 1, "per_hart": 1, "description": "ephemeral mappings of hardware, such as the UART"},
            {"name": "shared", "first": 65, "count": 1, "role": "shared", "hole": false, "harts": 1, "per_hart": 1, "description": "a page any hart maps under a lock, with a remote shootdown"}
        ])
    );
}
