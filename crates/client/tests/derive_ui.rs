//! Compile-time behaviour of `#[derive(Enrich)]`: what it accepts, and the errors it gives,
//! each underlining the offending token.

#[test]
fn derive_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
