//! Binary (B) key attributes against DynamoDB Local: a `Binary` field as the partition key and as
//! the sort key by itself (`pk = "id"`), through create, get, query and delete.

use ferrodyn::meta::ScalarType;
use ferrodyn::{AttributeValue, Binary, Model};
use ferrodyn_testing::TestDb;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[ferrodyn(table = "chunks", entity = "Chunk", pk = "file", sk = "digest")]
struct Chunk {
    file: Binary,
    digest: Binary,
    size: u32,
}

fn chunk(file: &[u8], digest: &[u8], size: u32) -> Chunk {
    Chunk { file: Binary(file.to_vec()), digest: Binary(digest.to_vec()), size }
}

#[test]
fn binary_keys_are_b_attributes() {
    assert_eq!(Chunk::META.partition_key.scalar, ScalarType::B);
    assert_eq!(Chunk::META.sort_key.as_ref().map(|k| k.scalar), Some(ScalarType::B));
    let key = Chunk::key(vec![1, 2], vec![0xff]);
    assert_eq!(key.attributes()["file"], AttributeValue::B(vec![1, 2].into()));
    assert_eq!(key.attributes()["digest"], AttributeValue::B(vec![0xff].into()));
}

#[tokio::test]
async fn binary_keys_round_trip_on_dynamodb_local() {
    let db = TestDb::new().await.expect("DynamoDB Local");
    db.create_table::<Chunk>().await.expect("chunks table");
    let a = chunk(&[0, 1, 2], &[9, 9], 10);
    let b = chunk(&[0, 1, 2], &[0xff, 0], 20);
    let other = chunk(&[7], &[9, 9], 30);
    for c in [&a, &b, &other] {
        db.create(c).await.expect("create");
    }
    let got = db.get(Chunk::key(vec![0, 1, 2], vec![9, 9])).await.expect("get");
    assert_eq!(got, Some(a.clone()));
    let file = db.query(Chunk::partition(vec![0, 1, 2])).all().await.expect("query");
    assert_eq!(file, [a.clone(), b.clone()], "sorted by the binary sort key");
    db.delete(Chunk::key(vec![0, 1, 2], vec![9, 9])).await.expect("delete");
    assert_eq!(db.get(a.primary_key()).await.expect("get"), None);
    assert_eq!(db.get(other.primary_key()).await.expect("get"), Some(other));
}
