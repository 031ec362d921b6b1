# A thin layer over Meson. The README's quick start is `make run` and `make test`.
#   make                build build/wirt (installing missing Debian packages first)
#   make run            build, then boot the default guest
#   make test           build, then run the whole suite with meson test
#   make test-sanitize  the same suite built with ASan and UBSan in build-sanitize/
BUILD := build
SAN_BUILD := build-sanitize
MESON_TEST := meson test --print-errorlogs --num-processes 2

.PHONY: all deps run test test-sanitize clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD)

$(SAN_BUILD)/build.ninja: | deps
	meson setup $(SAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

# The default guest: Debian's i686 kernel and BusyBox, fetched once into guests/linux/.
LINUX := guests/linux
# The console at 115200 baud: the UART sends at the programmed rate, as hardware does, and
# at Linux's default of 9600 the boot messages alone take some 16 s.
run: all
	scripts/guest-linux.sh
	@echo "make run: booting $(LINUX) (the shell comes up after about 20 s; Ctrl-a x quits)"
	$(BUILD)/wirt run --kernel $(LINUX)/vmlinuz --initrd $(LINUX)/initrd.img \
		--append "console=ttyS0,115200 nolapic" -m 256 --serial stdio

test: all
	$(MESON_TEST) -C $(BUILD)

test-sanitize: $(SAN_BUILD)/build.ninja
	ninja -C $(SAN_BUILD)
	$(MESON_TEST) -C $(SAN_BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
