//! The Rust code generated from the `.proto` files of the gRPC example and tests is
//! committed beside them, so that nothing (not `fc`, not its users) runs a protobuf
//! compiler at build time for it. This test regenerates it with `protox` (a
//! protobuf compiler in pure Rust) and `tonic-prost-build`, and fails when it differs.
//! After changing a `.proto`: `FC_REGENERATE=1 cargo test -p fc-protocols --test it grpc_codegen`.

use std::path::Path;

/// Each `.proto` and the file generated from it (`<package>.rs`).
const PROTOS: [(&str, &str); 2] = [
    (
        "examples/proto/helloworld.proto",
        "examples/proto/helloworld.rs",
    ),
    ("tests/it/proto/fctest.proto", "tests/it/proto/fctest.rs"),
];

fn generate(proto: &Path, generated_name: &str) -> String {
    let include = proto.parent().expect("the proto's folder");
    let descriptors = protox::compile([proto], [include]).expect("the .proto compiles");
    let out = std::env::temp_dir().join(format!("fc-grpc-codegen-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("temporary folder");
    tonic_prost_build::configure()
        // The generated clients take a channel (`GreeterClient::new(channel)`), so the
        // code needs no tonic transport feature.
        .build_transport(false)
        .emit_rerun_if_changed(false)
        .out_dir(&out)
        .compile_fds(descriptors)
        .expect("code generation");
    let generated = std::fs::read_to_string(out.join(generated_name)).expect("generated file");
    let _ = std::fs::remove_dir_all(&out);
    generated
}

#[test]
fn committed_code_matches_the_protos() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (proto, committed) in PROTOS {
        let name = Path::new(committed)
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name");
        let fresh = generate(&root.join(proto), name);
        let path = root.join(committed);
        if std::env::var_os("FC_REGENERATE").is_some() {
            std::fs::write(&path, &fresh).expect("write the generated code");
            continue;
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "{committed} is not what {proto} generates: run \
             `FC_REGENERATE=1 cargo test -p fc-protocols --test it grpc_codegen` and commit the result"
        );
    }
}
