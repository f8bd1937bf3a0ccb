//! The C header as C kernels include it. Every layout in the repository, in each
//! C naming profile (`[c_header]`), is compiled by gcc and clang as C89, C99, C11
//! and C17 with `-pedantic`, and as C++17; as assembly with `__ASSEMBLY__` and with
//! only GCC's own `__ASSEMBLER__`; and run through `cpp` into a linker script GNU
//! ld reads — all with `-Wall -Wextra -Werror`, every constant the header defines
//! used. Then the profile options themselves and their refusals.
//!
//! Needs gcc, g++, clang, clang++ and riscv64-linux-gnu-ld (`cargo xtask test`
//! installs them).

use std::path::Path;
use std::process::Command;

/// The C naming profiles every layout is compiled in.
const PROFILES: [&str; 3] = [
    "",
    "[c_header]\nends = \"exclusive\"\n",
    "[c_header]\nends = \"inclusive\"\nliterals = \"plain\"\nprefix = \"XEN_\"\naliases = { XEN_FIXMAP_TOP = \"XEN_FIXADDR_TOP\", VML_PAGE = \"VMLAYOUT_PAGE_SIZE\" }\n",
];

/// Object-like macros the header defines, but its guard and `VMLAYOUT_UL`.
fn constants(header: &str) -> Vec<String> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let function_like = rest[name.len()..].starts_with('(');
            (!function_like && name != "VMLAYOUT_LAYOUT_H" && name != "VMLAYOUT_UL").then_some(name)
        })
        .collect()
}

/// Every way the header is included, for the header in `dir`.
fn compile_everywhere(
    dir: &Path,
    header: &str,
    plain: bool,
    fixmap_addr: &str,
) -> Result<(), String> {
    let names = constants(header);
    let d = |f: &str| dir.join(f);
    // C and C++: every constant in an array of unsigned long, and _AC()-style pasting.
    let mut values: Vec<String> = names.clone();
    values.push(format!("{fixmap_addr}(0)"));
    if plain {
        values.push("VML_AC(XEN_FIXADDR_TOP, UL)".into());
    }
    let c = format!(
        "#include \"layout.h\"\n#define VML_AC_(X, Y) (X##Y)\n#define VML_AC(X, Y) VML_AC_(X, Y)\nextern const unsigned long vmlayout_values[];\nconst unsigned long vmlayout_values[] = {{\n    {}\n}};\n",
        values.join(",\n    ")
    );
    std::fs::write(d("use.c"), &c).unwrap();
    std::fs::write(d("use.cc"), &c).unwrap();
    let strict = ["-Wall", "-Wextra", "-Werror", "-fsyntax-only"];
    for cc in ["gcc", "clang"] {
        for std in ["-std=c89", "-std=c99", "-std=c11", "-std=c17"] {
            vmlayout_tests::run(
                Command::new(cc)
                    .args([std, "-pedantic"])
                    .args(strict)
                    .arg(d("use.c")),
            )?;
        }
    }
    for cxx in ["g++", "clang++"] {
        vmlayout_tests::run(
            Command::new(cxx)
                .args(["-std=c++17", "-pedantic"])
                .args(strict)
                .arg(d("use.cc")),
        )?;
    }
    // Assembly, with the kernel convention's __ASSEMBLY__ and with GCC's own only.
    let asm: String = std::iter::once("#include \"layout.h\"\n".to_string())
        .chain(names.iter().map(|n| format!(".quad {n}\n")))
        .collect();
    std::fs::write(d("use.S"), asm).unwrap();
    for guard in [&["-D__ASSEMBLY__"][..], &[]] {
        vmlayout_tests::run(
            Command::new("gcc")
                .args(guard)
                .args(["-Wall", "-Wextra", "-Werror", "-c", "-o"])
                .arg(d("use.o"))
                .arg(d("use.S")),
        )?;
    }
    // A linker script run through the preprocessor, read by GNU ld.
    let script: String = std::iter::once("#include \"layout.h\"\n".to_string())
        .chain(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| format!("vml_{i} = {n};\n")),
        )
        .chain(std::iter::once(
            "SECTIONS { . = VMLAYOUT_LOAD_ADDRESS; .text : { *(.text) } }\n".to_string(),
        ))
        .collect();
    std::fs::write(d("use.lds.S"), script).unwrap();
    vmlayout_tests::run(
        Command::new("cpp")
            .args(["-P", "-undef", "-D__ASSEMBLY__", "-o"])
            .arg(d("use.lds"))
            .arg(d("use.lds.S")),
    )?;
    vmlayout_tests::link_empty(dir, "use.lds", false)
}

#[test]
fn every_layout_in_every_profile_compiles_wherever_the_header_is_included() {
    let mut compiled = 0;
    for (name, path) in vmlayout_tests::valid_layouts() {
        let text = std::fs::read_to_string(&path).unwrap();
        for profile in PROFILES {
            let plan = vmlayout::plan_from_str("layout.toml", &format!("{text}\n{profile}"))
                .unwrap_or_else(|e| panic!("{name} with {profile:?}: {e}"));
            let header = vmlayout::emit::c_header::render(
                &plan,
                &vmlayout::emit::Origin::cli("layout.toml", "generated"),
            );
            if let Some(wide) = header.lines().find(|l| l.chars().count() > 80) {
                panic!("{name} with {profile:?}: a line over 80 columns:\n{wide}");
            }
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("layout.h"), &header).unwrap();
            let fixmap_addr = format!("{}FIXMAP_ADDR", plan.c_header.prefix);
            let plain = plan.c_header.literals == vmlayout::plan::CLiterals::Plain;
            compile_everywhere(dir.path(), &header, plain, &fixmap_addr)
                .unwrap_or_else(|e| panic!("{name} with {profile:?}:\n{e}"));
            compiled += 1;
        }
    }
    assert!(compiled >= 18, "{compiled}");
}

fn header_of(profile: &str) -> String {
    let text = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let plan = vmlayout::plan_from_str("layout.toml", &format!("{text}\n{profile}"))
        .unwrap_or_else(|e| panic!("{e}"));
    vmlayout::emit::c_header::render(
        &plan,
        &vmlayout::emit::Origin::cli("layout.toml", "generated"),
    )
}

/// The value `name` is defined as (the rest of its `#define` line).
fn value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.lines().find_map(|l| {
        let rest = l.strip_prefix("#define ")?.strip_prefix(name)?;
        rest.starts_with(' ').then(|| rest.trim())
    })
}

#[test]
fn ends_literals_prefix_and_aliases_do_what_they_say() {
    let default = header_of("");
    assert!(
        value(&default, "FIXMAP_VIRT_END").is_none(),
        "no _END by default"
    );
    assert!(value(&default, "FIX_PMAP_END").is_none());
    assert_eq!(value(&default, "FIX_PMAP_LAST"), Some("63"));
    assert_eq!(value(&default, "FIX_PMAP_PER_HART"), Some("8"));
    assert_eq!(value(&default, "FIX_PMAP_HARTS"), Some("8"));
    assert_eq!(
        value(&default, "FIXMAP_VIRT_LAST"),
        Some("VMLAYOUT_UL(0xffffffffc0bfffff)")
    );

    let exclusive = header_of("[c_header]\nends = \"exclusive\"\n");
    assert_eq!(
        value(&exclusive, "FIXMAP_VIRT_END"),
        Some("VMLAYOUT_UL(0xffffffffc0c00000)")
    );
    assert_eq!(value(&exclusive, "FIX_PMAP_END"), Some("64"));

    let inclusive = header_of("[c_header]\nends = \"inclusive\"\nliterals = \"plain\"\n");
    assert_eq!(
        value(&inclusive, "FIXMAP_VIRT_END"),
        Some("0xffffffffc0bfffff")
    );
    assert_eq!(
        value(&inclusive, "FIX_PMAP_END"),
        Some("63"),
        "Xen's FIX_PMAP_END is inclusive"
    );
    assert_eq!(value(&inclusive, "VMLAYOUT_PAGE_SIZE"), Some("0x1000"));

    let prefixed = header_of(
        "[c_header]\nprefix = \"XEN_\"\naliases = { XEN_VIRT_START = \"XEN_IMAGE_VIRT_START\" }\n",
    );
    assert!(value(&prefixed, "XEN_FIXADDR_TOP").is_some());
    assert!(value(&prefixed, "FIXADDR_TOP").is_none());
    assert!(
        value(&prefixed, "VMLAYOUT_PAGE_SIZE").is_some(),
        "built-ins keep their names"
    );
    assert!(
        value(&prefixed, "XEN_FIXMAP_ADDR(n)").is_some()
            || prefixed.contains("#define XEN_FIXMAP_ADDR(n)")
    );
    assert_eq!(
        value(&prefixed, "XEN_VIRT_START"),
        Some("XEN_IMAGE_VIRT_START")
    );
    assert!(prefixed.contains("#if XEN_FIXADDR_TOP != XEN_FIXMAP_ADDR(XEN_FIX_LAST + 1)"));
}

/// A region that ends at 2^64 has no exclusive `_END`: a comment says why.
#[test]
fn an_exclusive_end_at_the_top_is_omitted() {
    let text = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap()
        + "\n[[region]]\nname = \"log\"\npurpose = \"reserved\"\ndescription = \"log\"\nat = \"top - 2M\"\nsize = \"2M\"\nperms = \"rw\"\n\n[c_header]\nends = \"exclusive\"\n";
    let plan = vmlayout::plan_from_str("layout.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let header = vmlayout::emit::c_header::render(
        &plan,
        &vmlayout::emit::Origin::cli("layout.toml", "generated"),
    );
    assert!(value(&header, "LOG_VIRT_END").is_none());
    assert!(header.contains("/* LOG_VIRT_END: none, 2^64 (see _LAST) */"));
    assert_eq!(
        value(&header, "LOG_VIRT_LAST"),
        Some("VMLAYOUT_UL(0xffffffffffffffff)")
    );
}

#[test]
fn bad_prefixes_and_aliases_are_refused_where_they_are_written() {
    let base = std::fs::read_to_string(vmlayout_tests::repo().join("layout.toml")).unwrap();
    let cases = [
        ("prefix = \"9X_\"", "\"9X_\"", "is not a C identifier"),
        (
            "prefix = \"__X\"",
            "\"__X\"",
            "reserved for the C implementation",
        ),
        (
            "aliases = { int = \"FIXADDR_TOP\" }",
            "int",
            "a keyword of C or C++",
        ),
        (
            "aliases = { _Top = \"FIXADDR_TOP\" }",
            "_Top",
            "reserved for the C implementation",
        ),
        (
            "aliases = { TOP = \"FIXADDR_TOPP\" }",
            "\"FIXADDR_TOPP\"",
            "which the C header does not define",
        ),
        (
            "aliases = { FIX_LAST = \"FIXADDR_TOP\" }",
            "FIX_LAST",
            "already a name the C header defines",
        ),
        ("ends = \"half\"", "\"half\"", "unknown ends"),
        (
            "prefix = \"_\"",
            "\"_\"",
            "reserved for the C implementation",
        ),
        (
            "aliases = { linux = \"FIX_LAST\" }",
            "linux",
            "a macro GCC predefines",
        ),
        (
            "aliases = { A = \"VMLAYOUT_LAYOUT_H\" }",
            "\"VMLAYOUT_LAYOUT_H\"",
            "but not as a constant",
        ),
    ];
    for (line, at, message) in cases {
        let text = format!("{base}\n[c_header]\n{line}\n");
        let err = vmlayout::plan_from_str("x.toml", &text).expect_err(line);
        let d = err
            .diagnostics
            .iter()
            .find(|d| d.message.contains(message))
            .unwrap_or_else(|| panic!("{line}: {}", err.render()));
        assert_eq!(&text[d.span.clone()], at, "{line}");
    }
    // A prefix that makes a gap's constant meet a built-in: the gap
    // `identity_range` becomes VMLAYOUT_IDENTITY_RANGE_START, which the header
    // defines already.
    let text = base.replacen("name = \"image_guard\"", "name = \"identity_range\"", 1)
        + "\n[c_header]\nprefix = \"VMLAYOUT_\"\n";
    let err = vmlayout::plan_from_str("x.toml", &text).expect_err("duplicate");
    assert!(
        err.render()
            .contains("would define `VMLAYOUT_IDENTITY_RANGE_START` twice"),
        "{}",
        err.render()
    );
}
