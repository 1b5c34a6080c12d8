-- One index per district instead of two: (district_code, id) serves the
-- paginated list of a district and the duplicate review (which groups one
-- district's rows by person hash). Each index costs every imported row an
-- entry; the person-hash index cost bulk imports about a fifth of their rate.
DROP INDEX registry.residents_district;
DROP INDEX registry.residents_person_hash;
CREATE INDEX residents_district_id ON registry.residents (district_code, id);
