#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = kaoping_formats::parse_rubric("fuzz.toml", text);
});
