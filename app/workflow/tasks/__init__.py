"""Human tasks: who may work them (assignment), the rows kept in step with the engine
(inbox_sync), the inbox and its search, completing them with their forms and files, and the
notices that tell people about them."""
