"""Records and reports (DB 31114/Z 022-2025 5.2.1.4, 7.3.3, 7.4.3): periodic summaries per institution for the
区政务服务办公室."""
