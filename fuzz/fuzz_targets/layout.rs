//! Any text through parse → resolve → validate → every emitter: never a panic; a
//! rejected layout's diagnostics point inside the text and render; an accepted
//! plan keeps its invariants and every artefact is produced.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match vmlayout::plan_from_str("fuzz.toml", text) {
        Ok(plan) => {
            let mode = plan.paging.mode;
            // Regions that lie within no other are disjoint (a nested one overlaps its parent).
            let top: Vec<_> = plan.regions.iter().filter(|r| r.within.is_none()).collect();
            for pair in top.windows(2) {
                assert!(pair[0].last < pair[1].start, "regions overlap");
            }
            for r in &plan.regions {
                assert_eq!(r.start.checked_add(r.size - 1), Some(r.last));
                assert!(mode.is_canonical(r.start) && mode.is_canonical(r.last));
                assert!(r.start.is_multiple_of(r.align));
            }
            for g in &plan.gaps {
                assert_eq!(g.start + (g.size - 1), g.last);
            }
            assert_eq!(
                plan.fixmap.top,
                plan.fixmap.base + plan.fixmap.slot_count() * 4096
            );
            for artefact in vmlayout::emit::all(
                &plan,
                &vmlayout::emit::Origin::cli("fuzz.toml", "generated"),
            ) {
                assert!(!artefact.contents.is_empty());
            }
        }
        Err(e) => {
            assert!(!e.diagnostics.is_empty());
            for d in e.diagnostics.iter() {
                assert!(
                    d.span.start <= d.span.end && d.span.end <= text.len(),
                    "span {:?} outside the text",
                    d.span
                );
            }
            assert!(!e.render().is_empty());
        }
    }
});
