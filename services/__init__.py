"""Use cases and domain rules, one module per area; every public function checks the actor's permission first."""
