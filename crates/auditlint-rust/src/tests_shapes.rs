//! Inputs that syn parses by recursing once per level.

pub fn recursive_shapes(n: usize) -> Vec<String> {
    let shapes = [
        format!("fn f() {{ if a {{}} {} }}", "else if a {} ".repeat(n)),
        format!("fn f() {{ let g = {}x; }}", "|a| ".repeat(n)),
        format!("fn f() {{ let g = {}x; }}", "move |a| ".repeat(n)),
        format!("fn f() {{ let g = x{}; }}", " as u8".repeat(n)),
        format!("fn f() {{ {}x; }}", "a = ".repeat(n)),
        format!("fn f() {{ {}x; }}", "return ".repeat(n)),
        format!("fn f() {{ {}x; }}", "break ".repeat(n)),
        format!(
            "fn f() {{ let x: {}u8{}; }}",
            "Vec<".repeat(n),
            ">".repeat(n)
        ),
        format!("fn f() {{ let x: {}u8; }}", "& ".repeat(n)),
        format!("fn f() {{ let x = {}x; }}", "& mut ".repeat(n)),
        format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(n)),
        format!("fn f() {{ let x = y{}; }}", ".a()".repeat(n)),
        format!("fn f() {{ let x = y{}; }}", "?".repeat(n)),
        format!("fn f() {{ let x = y{}; }}", ".await".repeat(n)),
        format!("fn f() {{ let x = {}y; }}", "..".repeat(n)),
        format!("fn f() -> {}u8 {{ }}", "fn() -> ".repeat(n)),
        format!("fn f() {{ let x = {}1; }}", "- ".repeat(n)),
        format!("type T = {}u8;", "dyn Fn() -> ".repeat(n)),
        format!("fn f() {{ match x {{ {} => 1 }} }}", "a | ".repeat(n)),
        format!("fn f() {{ let {} = 1; }}", "&".repeat(n)),
    ];
    shapes.to_vec()
}
