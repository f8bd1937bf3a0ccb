//! The memory map as a picture (MEMORY-MAP.svg): rasterised with resvg, every
//! row's box has its colour where the emitter says the row is — a region in its
//! purpose's colour, a guard gap hatched, the hole dark — the rows run top-down in
//! address order, and each row carries the first and last address of what it
//! shows. For every layout in the repository.

use resvg::{tiny_skia, usvg};
use vmlayout::emit::svg::{Row, purpose_colour, render, rows};
use vmlayout::plan::MapEntry;

fn rgb(hex: &str) -> (u8, u8, u8) {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap();
    ((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

fn pixel(p: &tiny_skia::Pixmap, x: f64, y: f64) -> (u8, u8, u8) {
    let c = p.pixel(x as u32, y as u32).expect("inside the picture");
    (c.red(), c.green(), c.blue())
}

/// The first and last address a row shows, from the plan.
fn range(plan: &vmlayout::Plan, row: &Row) -> (u64, u64) {
    match &row.entry {
        MapEntry::Region(i) => (plan.regions[*i].start, plan.regions[*i].last),
        MapEntry::Gap(i) => (plan.gaps[*i].start, plan.gaps[*i].last),
        MapEntry::Unused { start, last, .. } | MapEntry::NonCanonical { start, last } => {
            (*start, *last)
        }
        _ => unreachable!("every kind of entry is drawn"),
    }
}

#[test]
fn every_box_sits_where_its_row_says_in_its_colour() {
    for (name, path) in vmlayout_tests::valid_layouts() {
        let plan = vmlayout_tests::plan(&path);
        let svg = render(&plan);
        let tree = usvg::Tree::from_str(&svg, &usvg::Options::default())
            .unwrap_or_else(|e| panic!("{name}: not SVG: {e}"));
        let size = tree.size().to_int_size();
        let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
        resvg::render(
            &tree,
            tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        let rows = rows(&plan);
        assert_eq!(rows.len(), plan.map.len(), "{name}: one row per map entry");
        let mut previous_top_level: Option<u64> = None;
        for (i, row) in rows.iter().enumerate() {
            // Rows follow each other without gaps or overlaps.
            if i > 0 {
                let above = &rows[i - 1];
                assert!(
                    (above.y + above.height - row.y).abs() < 1e-9,
                    "{name}: row {i}"
                );
            }
            let (start, last) = range(&plan, row);
            assert!(
                svg.contains(&format!(
                    "data-start=\"{start:#x}\" data-last=\"{last:#x}\""
                )),
                "{name}: row {i} says where it is"
            );
            // Top-level rows run down the address space.
            if row.x == rows[0].x {
                if let Some(above) = previous_top_level {
                    assert!(
                        last < above,
                        "{name}: row {i} at {start:#x} below one at {above:#x}"
                    );
                }
                previous_top_level = Some(start);
            }
            let (x, mid) = (row.x + 3.0, row.y + row.height / 2.0);
            match &row.entry {
                MapEntry::Region(r) => {
                    let colour = rgb(purpose_colour(plan.regions[*r].purpose));
                    assert_eq!(pixel(&pixmap, x, mid), colour, "{name}: region row {i}");
                    assert_eq!(
                        pixel(&pixmap, x, row.y + 2.0),
                        colour,
                        "{name}: region row {i} top"
                    );
                    assert_eq!(
                        pixel(&pixmap, x, row.y + row.height - 2.0),
                        colour,
                        "{name}: region row {i} bottom"
                    );
                }
                MapEntry::Gap(_) => {
                    // Hatched: white and grey along the row.
                    let seen: std::collections::HashSet<(u8, u8, u8)> = (0..40)
                        .map(|d| pixel(&pixmap, x + f64::from(d), mid))
                        .collect();
                    assert!(
                        seen.contains(&(255, 255, 255)) && seen.len() > 1,
                        "{name}: gap row {i}: {seen:?}"
                    );
                }
                MapEntry::NonCanonical { .. } => {
                    let (r, g, b) = pixel(&pixmap, x, mid);
                    assert!(r < 0x80 && g < 0x80 && b < 0x80, "{name}: the hole is dark");
                }
                _ => assert_eq!(
                    pixel(&pixmap, x, mid),
                    rgb("#f2f2f2"),
                    "{name}: unused row {i}"
                ),
            }
        }
    }
}

#[test]
fn hostile_names_and_descriptions_stay_text() {
    let layout = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let hostile = layout.replacen(
        "description = \"boot FDT, mapped read-only\"",
        &format!(
            "description = {}",
            vmlayout_tests::toml_string(
                "</text></svg><script>alert(1)</script> & \"q\" \u{1} --> ]]>"
            )
        ),
        1,
    );
    let plan = vmlayout::plan_from_str("h.toml", &hostile).unwrap();
    let svg = render(&plan);
    assert!(!svg.contains("<script>"));
    usvg::Tree::from_str(&svg, &usvg::Options::default()).expect("still well-formed SVG");
    let html = vmlayout::emit::svg::render_html(&plan);
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
}

/// A browser's view of the picture, where one is installed (Chromium, headless):
/// the same boxes in the same colours where the emitter put them, and the HTML
/// page's DOM holds the picture and every region's name.
#[test]
fn a_browser_draws_the_same_boxes() {
    use std::process::Command;
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(browser) = browser else {
        eprintln!("no Chromium here: the browser's view is not checked");
        return;
    };
    let plan = vmlayout_tests::plan(&vmlayout_tests::repo().join("tests/layouts/sv39-nested.toml"));
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("map.svg");
    std::fs::write(&svg_path, render(&plan)).unwrap();
    let tree = usvg::Tree::from_str(&render(&plan), &usvg::Options::default()).unwrap();
    let size = tree.size().to_int_size();
    let shot = dir.path().join("map.png");
    let run = |args: &[String]| {
        let out = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
            ])
            .args(args)
            .output()
            .expect("the browser runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&[
        format!("--screenshot={}", shot.display()),
        format!("--window-size={},{}", size.width(), size.height()),
        format!("file://{}", svg_path.display()),
    ]);
    let pixmap = tiny_skia::Pixmap::load_png(&shot).expect("a PNG screenshot");
    for row in rows(&plan) {
        if let MapEntry::Region(r) = &row.entry {
            let colour = rgb(purpose_colour(plan.regions[*r].purpose));
            assert_eq!(
                pixel(&pixmap, row.x + 3.0, row.y + row.height / 2.0),
                colour,
                "{}",
                plan.regions[*r].name
            );
        }
    }
    let html_path = dir.path().join("map.html");
    std::fs::write(&html_path, vmlayout::emit::svg::render_html(&plan)).unwrap();
    let dom = String::from_utf8(run(&[
        "--dump-dom".into(),
        format!("file://{}", html_path.display()),
    ]))
    .unwrap();
    assert!(dom.contains("<svg"));
    for r in &plan.regions {
        assert!(
            dom.contains(&format!("data-name=\"{}\"", r.name)),
            "{}",
            r.name
        );
    }
}

/// A long name is cut to its box (the whole is in the tooltip); small rows keep
/// room for both of their addresses.
#[test]
fn long_names_fit_their_boxes_and_small_rows_their_addresses() {
    let layout = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let long = "a_very_long_region_name_of_forty_eight_character";
    assert_eq!(long.len(), 48);
    let text = layout.replace("\"vmap\"", &format!("\"{long}\""));
    let plan = vmlayout::plan_from_str("l.toml", &text).unwrap();
    let svg = render(&plan);
    assert!(svg.contains(&format!("data-name=\"{long}\"")));
    assert!(svg.contains('…'), "the box's text is cut");
    for row in rows(&plan) {
        // The first address sits 10 px below the top, the last 2 px above the
        // bottom: 10 px font, so 26 px keep them apart.
        assert!(row.height >= 26.0);
    }
}
