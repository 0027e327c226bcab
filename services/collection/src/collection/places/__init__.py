"""Places: buildings (实有房屋) and their rooms (间), each room with its 8-digit house code (房屋编码)."""
