-- The notice's heading, given when publishing (issue 11): the issuing office (发文单位) and the document
-- number (文号, e.g. 动力党发〔2024〕3号). NULL for publications written before these existed: the hash
-- chain writes these columns only when set, so those publications keep their content and links.
ALTER TABLE publications ADD COLUMN issuer TEXT;
ALTER TABLE publications ADD COLUMN doc_number TEXT;
