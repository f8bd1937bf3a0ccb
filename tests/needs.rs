//! The reference kernel's requirements (kernel/vmlayout-needs.toml): for each one,
//! the repository's layout changed to miss it fails with a vmlayout diagnostic
//! that points into the layout and names what to add — never a compiler error in
//! generated code. Each rendering is snapshotted.

use vmlayout::Needs;

fn needs() -> Needs {
    let path = vmlayout_tests::repo().join("kernel/vmlayout-needs.toml");
    let text = std::fs::read_to_string(path).unwrap();
    Needs::parse("kernel/vmlayout-needs.toml", &text).expect("the kernel's requirements parse")
}

fn layout() -> String {
    std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap()
}

/// Plan `text` against the kernel's requirements; the rendered refusal.
fn refusal(name: &str, text: &str) -> String {
    let needs = needs();
    let err = vmlayout::plan_from_str_for(&format!("{name}.toml"), text, Some(&needs))
        .expect_err("a layout that misses a requirement is refused");
    for d in err.diagnostics.iter() {
        assert!(d.span.end <= text.len(), "the span lies inside the layout");
    }
    err.render()
}

#[test]
fn the_repository_layout_meets_every_requirement() {
    let needs = needs();
    assert!(needs.region.len() >= 3 && needs.fixmap_group.len() >= 2);
    for (_, path) in vmlayout_tests::valid_layouts() {
        vmlayout::plan_from_file_for(&path, Some(&needs))
            .unwrap_or_else(|e| panic!("{} meets the kernel's needs:\n{e}", path.display()));
    }
}

#[test]
fn each_missing_region_purpose_is_a_diagnostic() {
    for need in needs().region.iter().filter(|n| n.purpose != "image") {
        let text = layout().replacen(
            &format!("purpose = \"{}\"", need.purpose),
            "purpose = \"reserved\"",
            usize::MAX,
        );
        let rendered = refusal(&format!("no-{}", need.purpose), &text);
        assert!(rendered.contains(&format!(
            "needs a region with `purpose = \"{}\"`",
            need.purpose
        )));
        insta::assert_snapshot!(format!("no-{}", need.purpose), rendered);
    }
}

#[test]
fn each_missing_or_mis_sized_fixmap_role_is_a_diagnostic() {
    for need in &needs().fixmap_group {
        let role_line = format!("role = \"{}\"\n", need.role);
        assert!(
            layout().contains(&role_line),
            "the layout gives role `{}`",
            need.role
        );
        let without = layout().replace(&role_line, "");
        let rendered = refusal(&format!("no-role-{}", need.role), &without);
        assert!(rendered.contains(&format!(
            "needs a fixmap group with `role = \"{}\"`",
            need.role
        )));
        insta::assert_snapshot!(format!("no-role-{}", need.role), rendered);

        // One slot more than the kernel can use.
        let group_start = layout().find(&role_line).unwrap();
        let count_at = group_start + layout()[group_start..].find("count = ").unwrap();
        let count_end = count_at + layout()[count_at..].find('\n').unwrap();
        let mut too_many = layout();
        too_many.replace_range(
            count_at..count_end,
            &format!("count = {}", need.max_slots + 1),
        );
        let rendered = refusal(&format!("too-many-{}", need.role), &too_many);
        assert!(rendered.contains("slot count out of range"), "{rendered}");
        insta::assert_snapshot!(format!("too-many-{}", need.role), rendered);
    }
}

#[test]
fn a_group_needed_per_hart_must_be_per_hart_on_several_harts() {
    let needs = needs();
    let per_hart: Vec<_> = needs
        .fixmap_group
        .iter()
        .filter(|n| n.per_hart == Some(true))
        .collect();
    assert!(!per_hart.is_empty(), "the kernel needs PMAP per hart");
    for need in per_hart {
        let role_line = format!("role = \"{}\"\n", need.role);
        let group_start = layout().find(&role_line).unwrap();
        let flag = group_start + layout()[group_start..].find("per_hart = true\n").unwrap();
        let mut shared = layout();
        shared.replace_range(flag..flag + "per_hart = true\n".len(), "");
        let rendered = refusal(&format!("shared-{}", need.role), &shared);
        assert!(
            rendered.contains(&format!(
                "needs the `{}` group to be per-hart: the plan runs up to 8 harts",
                need.role
            )) && rendered.contains("add `per_hart = true`"),
            "{rendered}"
        );
        // On one hart a shared group is every hart's own: accepted.
        let one_hart = shared.replace("max_harts = 8 ", "max_harts = 1 ");
        assert_ne!(one_hart, shared, "the layout states max_harts = 8");
        vmlayout::plan_from_str_for("one-hart.toml", &one_hart, Some(&needs))
            .unwrap_or_else(|e| panic!("one hart, a shared PMAP: {}", e.render()));
    }
}

#[test]
fn the_shared_group_may_not_be_per_hart() {
    let text = layout().replace(
        "name = \"shared\"\nrole = \"shared\"\n",
        "name = \"shared\"\nrole = \"shared\"\nper_hart = true\n",
    );
    let rendered = refusal("shared-per-hart", &text);
    assert!(
        rendered.contains("needs the `shared` group to be shared by every hart, not per-hart")
            && rendered.contains("drop `per_hart = true`"),
        "{rendered}"
    );
}

#[test]
fn the_image_grows_with_the_harts() {
    // 3,000 harts of one PMAP slot each, in a fixmap of 6 tables: the kernel's
    // per-hart state (256 bytes a hart) no longer fits a 1 MiB image.
    let text = layout()
        .replace("max_harts = 8 ", "max_harts = 3000 ")
        .replace("count = 8\nper_hart = true", "count = 1\nper_hart = true")
        .replacen(
            "size = \"2M\"\nalign = \"2M\"\nperms = \"rw\"",
            "size = \"12M\"\nalign = \"2M\"\nperms = \"rw\"",
            1,
        )
        .replace("image_max_size = \"2M\"", "image_max_size = \"1M\"");
    let rendered = refusal("image-per-hart", &text);
    assert!(
        rendered.contains("(256K and 256 B per hart × 3000 harts)")
            && rendered.contains("image_max_size leaves 1 MiB"),
        "{rendered}"
    );
    // With 8 harts the same plan fits.
    let eight = text.replace("max_harts = 3000 ", "max_harts = 8 ");
    vmlayout::plan_from_str_for("eight.toml", &eight, Some(&needs()))
        .unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn a_bad_requirements_file_is_refused() {
    assert!(Needs::parse("n.toml", "[[region]]\npurpose = \"heap\"\nwhy = \"x\"").is_err());
    assert!(
        Needs::parse(
            "n.toml",
            "[[fixmap_group]]\nrole = \"p\"\nmin_slots = 0\nmax_slots = 1\nwhy = \"x\""
        )
        .is_err()
    );
    assert!(
        Needs::parse(
            "n.toml",
            "[[fixmap_group]]\nrole = \"p\"\nmin_slots = 2\nmax_slots = 1\nwhy = \"x\""
        )
        .is_err()
    );
    assert!(Needs::parse("n.toml", "[[regoin]]\npurpose = \"image\"\nwhy = \"x\"").is_err());
}

/// The requirements on sizes, each missed by the repository's layout changed in
/// one place: the DTB window, the image beside the boot pool, the identity code,
/// the direct map's reach past the identity range. Each refusal points into the
/// layout at the value to change.
#[test]
fn each_size_requirement_is_a_diagnostic() {
    let fdt = "size = \"4M\"\nalign = \"2M\"\nperms = \"r\"";
    let cases = [
        (
            "small-dtb-window",
            "\n[[region]]\nname = \"tiny\"\npurpose = \"window\"\ndescription = \"x\"\nslot = 448\nsize = \"4K\"\nperms = \"r\"\n",
            ("", ""),
            "to hold at least 64 KiB",
            "\"4K\"",
        ),
        (
            "image-beside-pool",
            "",
            (fdt, "size = \"960M\"\nalign = \"2M\"\nperms = \"r\""),
            "for its image besides the",
            "\"2M\"",
        ),
        (
            "identity-code",
            "",
            ("identity_size = \"4K\"", "identity_size = \"128\""),
            "needs identity_size of at least 1 KiB",
            "\"128\"",
        ),
        (
            "direct-map-reach",
            "",
            ("slots = [256, 447]", "at = \"slot(256)\"\nsize = \"2M\""),
            "the direct map must hold at least 6 MiB",
            "\"2M\"",
        ),
    ];
    for (name, extra, (from, to), message, at) in cases {
        let text = layout().replacen(from, to, 1) + extra;
        let needs = needs();
        let err = vmlayout::plan_from_str_for("x.toml", &text, Some(&needs)).expect_err(name);
        let d = err
            .diagnostics
            .iter()
            .find(|d| d.message.contains(message))
            .unwrap_or_else(|| panic!("{name}: {}", err.render()));
        assert_eq!(&text[d.span.clone()], at, "{name}");
        // Without the requirements the same layout is accepted: the rule is the kernel's.
        assert!(
            vmlayout::plan_from_str("x.toml", &text).is_ok() || name == "image-beside-pool",
            "{name}"
        );
    }
}

/// Plan `layout` against `needs` (a requirements file's text): accepted or not.
fn meets(needs: &str, layout: &str) -> bool {
    let needs = Needs::parse("n.toml", needs).expect("the requirements parse");
    vmlayout::plan_from_str_for("l.toml", layout, Some(&needs)).is_ok()
}

/// Each size requirement at its exact edge: a layout that gives exactly what is
/// needed is accepted, one page (or byte) less is refused.
#[test]
fn size_requirements_hold_at_their_exact_edge() {
    let layout = layout();
    // The FDT window `fdt` is 4 MiB.
    let window = |min: &str| {
        format!("[[region]]\npurpose = \"window\"\nmin_size = \"{min}\"\nwhy = \"w\"\n")
    };
    assert!(meets(&window("4M"), &layout));
    assert!(!meets(&window("4100K"), &layout));

    // The image beside the boot pool in image_max_size (2 MiB).
    let plan = vmlayout::plan_from_str("l.toml", &layout).expect("layout.toml is valid");
    let pool_kib = plan.boot_tables.total() * 4;
    let image =
        |kib: u64| format!("[image]\nsize = \"{kib}K\"\nidentity_code = \"1K\"\nwhy = \"i\"\n");
    assert!(meets(&image(2048 - pool_kib), &layout));
    assert!(!meets(&image(2048 - pool_kib + 4), &layout));
    // Its help names the window that takes most of the pool.
    let needs = Needs::parse("n.toml", &image(2048 - pool_kib + 4)).unwrap();
    let err = vmlayout::plan_from_str_for("l.toml", &layout, Some(&needs)).unwrap_err();
    let help = err
        .diagnostics
        .iter()
        .find(|d| d.message.contains("for its image besides"))
        .and_then(|d| d.help.clone())
        .unwrap_or_default();
    assert!(
        help.contains("the FDT window `fdt`, 4 MiB, takes most of the pool"),
        "{help}"
    );

    // The identity code: identity_size is 4 KiB.
    let identity =
        |code: &str| format!("[image]\nsize = \"4K\"\nidentity_code = \"{code}\"\nwhy = \"i\"\n");
    assert!(meets(&identity("4K"), &layout));
    assert!(!meets(&identity("4100"), &layout));

    // The direct map (192 root slots of 1 GiB) reaches from the 1 GiB holding the
    // load address past the identity range (which ends 4 MiB into it) by `frames`.
    let reach = 192u64 * (1 << 30) - (4 << 20);
    let directmap = |frames: u64| {
        format!(
            "[directmap]\nframes = \"{}K\"\nwhy = \"d\"\n",
            frames / 1024
        )
    };
    assert!(meets(&directmap(reach), &layout));
    assert!(!meets(&directmap(reach + 4096), &layout));
}

/// A value of the wrong type is named with its key, its table and both types.
#[test]
fn a_value_of_the_wrong_type_says_what_it_must_be() {
    let err = Needs::parse(
        "n.toml",
        "[[region]]\npurpose = \"window\"\nmin_size = 5\nwhy = \"w\"\n",
    )
    .expect_err("a number is no size");
    assert!(
        err.contains("`min_size` in") && err.contains("must be") && err.contains("not integer"),
        "{err}"
    );
}

/// `from_file` reads the file `parse` would be given.
#[test]
fn requirements_are_read_from_their_file() {
    let path = vmlayout_tests::repo().join("kernel/vmlayout-needs.toml");
    let read = Needs::from_file(&path).expect("the kernel's requirements");
    assert_eq!(read.region.len(), needs().region.len());
    assert_eq!(read.fixmap_group.len(), needs().fixmap_group.len());
    let missing = Needs::from_file(&vmlayout_tests::repo().join("no-such-needs.toml"));
    assert!(missing.is_err_and(|e| e.contains("cannot read")));
}

/// A value the layout's own rules refuse is reported once, by them: a consumer's
/// need is not checked against it (a `per_hart` that is not a boolean reads as
/// absent, and would draw "add `per_hart = true`" beside the line that has it).
#[test]
fn a_need_is_not_checked_against_a_value_the_layout_refused() {
    let cases = [
        (
            "per_hart = true\n",
            "per_hart = \"yes\"\n",
            "must be true or false",
        ),
        ("count = 8\nper_hart", "count = 0\nper_hart", "has no slots"),
        // A role of the wrong type reads as absent: not "no group has this role".
        ("role = \"pmap\"\n", "role = 5\n", "`role` must be"),
        // A misspelt key: the group reads as not per-hart.
        ("per_hart = true\n", "per_hrat = true\n", "per_hrat"),
    ];
    for (from, to, wanted) in cases {
        assert!(layout().contains(from), "the layout has {from:?}");
        let text = layout().replacen(from, to, 1);
        let err = vmlayout::plan_from_str_for("refused.toml", &text, Some(&needs()))
            .expect_err("refused");
        let messages: Vec<&str> = err.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages.len(),
            1,
            "one diagnostic, not a need besides it: {messages:?}"
        );
        assert!(messages[0].contains(wanted), "{messages:?}");
    }
}
