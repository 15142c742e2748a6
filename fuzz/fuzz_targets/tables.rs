#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the reader, the rest is the file.
    let Some((kind, bytes)) = data.split_first() else { return };
    let name = match kind % 3 {
        0 => "t.docx",
        1 => "t.xlsx",
        _ => "t.csv",
    };
    let _ = kaoping_import::import_file(name, bytes, "fuzz");
    let _ = kaoping_import::findings_csv_from_xlsx(name, bytes);
});
