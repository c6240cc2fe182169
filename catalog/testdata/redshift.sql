CREATE TABLE IF NOT EXISTS "analytics"."orders" (
  "id" BIGINT NOT NULL,
  "flag" BOOLEAN,
  "tiny" SMALLINT,
  "small" SMALLINT,
  "medium" INTEGER,
  "u8" SMALLINT,
  "u16" INTEGER,
  "u32" BIGINT,
  "u64" DECIMAL(20,0),
  "ratio" REAL,
  "score" DOUBLE PRECISION,
  "amount" DECIMAL(12,2),
  "big_amount" DECIMAL(38,9),
  "name" VARCHAR(50) NOT NULL,
  "comment" VARCHAR(256),
  "payload" VARBYTE(1250),
  "birthday" DATE,
  "created_at" TIMESTAMPTZ NOT NULL,
  "opens_at" TIME,
  "attrs" VARCHAR(65535),
  "Select" VARCHAR(256)
)
DISTSTYLE KEY
DISTKEY ("id")
COMPOUND SORTKEY ("created_at", "id");

CREATE TABLE "events" (
  "id" BIGINT NOT NULL,
  "attrs" SUPER,
  "at" TIMESTAMP
);
